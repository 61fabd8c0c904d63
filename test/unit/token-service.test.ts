/**
 * TokenService (src/auth/token-service.ts): each token is for one mount, its
 * `aud` claim. Two mounts of one app that share the key (the same
 * `sessionSecret`) hold their own users under the same ids: a token of one
 * verifying at the other would sign in as that mount's user of the same id.
 *
 * It used to be that tokens carried no audience (iss, sub, ver, exp only),
 * so any Parlor with the key took any of them.
 */
import { SignJWT, decodeJwt } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { TokenService, tokenAudience, tokenKey } from '../../src/auth/token-service.js';
import { openSqliteStores } from '../../src/store/sqlite/index.js';

const SECRET = 'the one session secret of this host app';
const key = tokenKey(SECRET);

describe('TokenService audience', () => {
  const stores = openSqliteStores({ path: ':memory:', sessionPruneIntervalMs: 0 });
  afterAll(() => stores.close());
  const serviceFor = (audience: string) => new TokenService({ key, audience }, stores.tokenVersions, undefined, undefined);

  it('issues tokens for its audience (aud), and another service of the same key and audience accepts them (one mount, several instances)', async () => {
    const { token } = await serviceFor('/chat/ws').issue(7);
    expect(decodeJwt(token)).toMatchObject({ iss: 'parlor', aud: '/chat/ws', sub: '7' });
    expect(await serviceFor('/chat/ws').verify(token)).toMatchObject({ userId: 7, via: 'token' });
  });

  it('refuses a token of the same key issued for another audience (another mount)', async () => {
    const { token } = await serviceFor('/support/ws').issue(1);
    expect(await serviceFor('/chat/ws').verify(token)).toBeNull();
  });

  it('refuses a token without aud (issued before audiences), however valid otherwise', async () => {
    const chat = serviceFor('/chat/ws');
    const ver = await stores.tokenVersions.current(3);
    const unbound = await new SignJWT({ ver }).setProtectedHeader({ alg: 'HS256' }).setSubject('3').setIssuer('parlor').setIssuedAt().setExpirationTime('5m').sign(key);
    expect(await chat.verify(unbound)).toBeNull();
    // The same claims with the audience are taken: the missing aud is the only reason.
    const bound = await new SignJWT({ ver }).setProtectedHeader({ alg: 'HS256' }).setSubject('3').setIssuer('parlor').setAudience('/chat/ws').setIssuedAt().setExpirationTime('5m').sign(key);
    expect(await chat.verify(bound)).toMatchObject({ userId: 3 });
  });

  it('the audience is tokens.audience when given, else the mount\'s wsPath', () => {
    expect(tokenAudience('/ws')).toBe('/ws');
    expect(tokenAudience('/chat/ws')).toBe('/chat/ws');
    expect(tokenAudience('/ws', 'support')).toBe('support');
  });
});
