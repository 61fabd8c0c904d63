/**
 * Mutant (src/composition/authentication.ts): `(options.tokens || undefined)?.ttlSeconds` -> `undefined`
 * survived test/integration/tokens.test.ts and test/unit/parlor-options.test.ts: those check that
 * `tokens.ttlSeconds` is validated (30 s to 366 days), not that the tokens issued then last that long.
 * With the mutant every token lasts the default 900 s whatever the host set, so a host that shortened
 * the lifetime (a revocation window) or lengthened it gets neither.
 * Mutant `DEFAULT_TOKEN_TTL_SECONDS = 900` -> `3600` (src/auth/token-service.ts) survived
 * test/unit/config.test.ts, test/unit/parlor-options.test.ts and test/integration/tokens.test.ts:
 * the documented default lifetime of 15 minutes is pinned by the last test here.
 */
import { decodeJwt } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { createParlor } from '../../src/app.js';
import { DEFAULT_TOKEN_TTL_SECONDS } from '../../src/auth/token-service.js';
import { openSqliteStores } from '../../src/store/sqlite/index.js';

const SECRET = 'a session secret of some length';

describe('createParlor tokens.ttlSeconds', () => {
  const stores = openSqliteStores({ path: ':memory:', sessionPruneIntervalMs: 0 });
  afterAll(() => stores.close());

  it.each([60, 7200])('a token issued with ttlSeconds %i lasts that long (exp - iat, and expires_at)', async (ttlSeconds) => {
    expect(ttlSeconds).not.toBe(DEFAULT_TOKEN_TTL_SECONDS);
    const parlor = createParlor({ stores, sessionResolver: { resolve: () => null }, sessionSecret: SECRET, tokens: { ttlSeconds }, processMetrics: false });
    try {
      const { token, expires_at } = await parlor.tokens.issue(1);
      const { iat, exp } = decodeJwt(token);
      expect(exp! - iat!).toBe(ttlSeconds);
      expect(expires_at).toBe(exp! * 1000);
    } finally {
      await parlor.close();
    }
  });

  // The documented default (docs/tokens.md, TOKEN_TTL_SECONDS): the number itself, so a changed constant fails here too.
  it('without ttlSeconds a token lasts the default, 900 s', async () => {
    const parlor = createParlor({ stores, sessionResolver: { resolve: () => null }, sessionSecret: SECRET, processMetrics: false });
    try {
      const { iat, exp } = decodeJwt((await parlor.tokens.issue(1)).token);
      expect(exp! - iat!).toBe(900);
    } finally {
      await parlor.close();
    }
  });
});
