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
import { DEFAULT_TOKEN_TTL_SECONDS, TokenService, tokenAudience, tokenKey } from '../../src/auth/token-service.js';
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

/**
 * A token of Parlor's own account is refused when it was issued before the account was created: SQLite before
 * migration 010 gave a deleted newest account's id to the next registration, and a token the deleted account
 * got (a never-revoked one leaves no token_versions row for 010 to see) then acted as the new account.
 */
describe('TokenService: a token issued before its account', () => {
  const CREATED_AT = 1_800_000_000_500; // ms, half a second into its second
  let clock = CREATED_AT;
  const now = () => clock;
  const stores = openSqliteStores({ path: ':memory:', sessionPruneIntervalMs: 0, now });
  afterAll(() => stores.close());
  const service = new TokenService({ key, audience: '/ws' }, stores.tokenVersions, stores.users, undefined, undefined, now);
  const signedAt = (iat: number, sub: number) =>
    new SignJWT({ ver: 0 }).setProtectedHeader({ alg: 'HS256' }).setSubject(String(sub)).setIssuer('parlor').setAudience('/ws').setIssuedAt(iat).setExpirationTime(iat + 600).sign(key);

  it('is refused; one issued in the second the account was created, or later, is taken', async () => {
    clock = CREATED_AT;
    const alice = await stores.users.createUser('alice', 'h');
    clock = CREATED_AT + 60_000;
    const second = Math.floor(CREATED_AT / 1000);
    expect(await service.verify(await signedAt(second - 1, alice.id))).toBeNull();
    expect(await service.verify(await signedAt(second, alice.id))).toMatchObject({ userId: alice.id, username: 'alice' });
    expect(await service.verify(await signedAt(second + 30, alice.id))).toMatchObject({ userId: alice.id, username: 'alice' });
  });

  it('refuses a token of an account without iat (when it was issued is unknown)', async () => {
    clock = CREATED_AT;
    const bob = await stores.users.createUser('bob', 'h');
    const exp = Math.floor(CREATED_AT / 1000) + 600;
    const noIat = await new SignJWT({ ver: 0 }).setProtectedHeader({ alg: 'HS256' }).setSubject(String(bob.id)).setIssuer('parlor').setAudience('/ws').setExpirationTime(exp).sign(key);
    expect(await service.verify(noIat)).toBeNull();
  });

  it('issues no token dated before its account, even from a clock behind the one that stamped it (PostgreSQL: the database clock)', async () => {
    clock = CREATED_AT;
    const carol = await stores.users.createUser('carol', 'h');
    const behind = new TokenService({ key, audience: '/ws' }, stores.tokenVersions, stores.users, undefined, undefined, () => CREATED_AT - 5_000);
    const { token, expires_at } = await behind.issue(carol.id);
    expect(decodeJwt(token).iat).toBe(Math.floor(CREATED_AT / 1000));
    expect(expires_at).toBe((Math.floor((CREATED_AT - 5_000) / 1000) + DEFAULT_TOKEN_TTL_SECONDS) * 1000);
    expect(await behind.verify(token)).toMatchObject({ userId: carol.id, username: 'carol' });
  });

  it('does not apply to a host\'s users (no accounts): any iat is taken', async () => {
    const hostService = new TokenService({ key, audience: '/ws' }, stores.tokenVersions, undefined, undefined, undefined, now);
    clock = CREATED_AT;
    expect(await hostService.verify(await signedAt(Math.floor(CREATED_AT / 1000) - 100, 42))).toMatchObject({ userId: 42 });
  });
});
