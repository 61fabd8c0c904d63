/**
 * A host's test suite with fake timers: once `await parlor.close()` resolved, no timer of Parlor's is left.
 * express-rate-limit's MemoryStore (the per-process counters of the auth limiter, contract AUTH_RATE_LIMIT)
 * starts an interval a window long that nothing ended: each Parlor built in a suite left one behind, counted
 * by `vi.getTimerCount()` and run forever by `vi.runAllTimers()`, keeping its counters reachable.
 */
import express from 'express';
import supertest from 'supertest';
import { afterEach, expect, it, vi } from 'vitest';
import { createParlor } from '../../src/app.js';
import { openSqliteStores } from '../../src/store/sqlite/index.js';

afterEach(() => {
  vi.useRealTimers();
});

it('parlor.close() ends the auth rate limiter timer; a sign-in after close is answered 503 as documented', async () => {
  // The stores are the caller's (and their own timers, off here): only Parlor's timers are faked and counted.
  const stores = openSqliteStores({ path: ':memory:', sessionPruneIntervalMs: 0, writer: 'inline' });
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
  const parlor = createParlor({ stores, sessionSecret: 'a session secret of enough length', authRateLimit: 2, passwordHashCost: 10 });
  await parlor.close();
  expect(vi.getTimerCount()).toBe(0);
  vi.useRealTimers();

  const app = express();
  app.use(parlor.router);
  const http = supertest(app);
  const login = () => http.post('/api/auth/login').send({ username: 'alice', password: 'correct horse' });
  // Writes are refused before the limiter once close() began (README, parlor.close()); reads still answer.
  const refused = await login().expect(503);
  expect(refused.body.error).toBe('unavailable');
  await http.get('/api/auth/me').expect(401);
  await stores.close();
});
