/**
 * Mutant K3 (src/parlor-options.ts, rulesBetween): `tokens.secret === undefined && o.sessionSecret === undefined`
 * -> `tokens.secret === undefined` survives test/unit/parlor-options.test.ts,
 * test/integration/contract-host-example.test.ts and test/integration/tokens.test.ts: no test passes a
 * host sessionResolver with `sessionSecret` and a `tokens` object without `secret` (e.g. only a ttl).
 * The rule (the problem's own text, and docs/tokens.md / README: a token key is `tokens.secret` or
 * `sessionSecret`): "bearer tokens need a key: add tokens.secret (32+ characters) or sessionSecret".
 * With sessionSecret given there is a key, so the options are valid and tokens work.
 * Passes on the current code; fails on the mutant (createParlor throws ParlorOptionsError).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createParlor } from '../../src/app.js';
import { checkParlorOptions } from '../../src/parlor-options.js';
import { openSqliteStores } from '../../src/store/sqlite/index.js';

describe('a host sessionResolver with sessionSecret and a tokens object without secret', () => {
  const stores = openSqliteStores({ path: ':memory:', sessionPruneIntervalMs: 0 });
  afterAll(() => stores.close());

  it('is valid: sessionSecret is the token key, and tokens are issued', async () => {
    const options = { stores, sessionResolver: { resolve: () => null }, sessionSecret: 'a session secret of some length', tokens: { ttlSeconds: 60 }, processMetrics: false };
    expect(() => checkParlorOptions(options)).not.toThrow();
    const parlor = createParlor(options);
    try {
      await expect(parlor.tokens.issue(1)).resolves.toMatchObject({ token: expect.any(String) });
    } finally {
      await parlor.close();
    }
  });
});
