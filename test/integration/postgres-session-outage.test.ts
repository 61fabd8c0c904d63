/**
 * connect-pg-simple sessions and Parlor's accounts while PostgreSQL is
 * unreachable (a proxy in front of it, cut): a cookie upgrade is 503 (not
 * 401); login, register and a token 503 (the account store shares the
 * database: an outage, not a bug); open sockets stay open through session
 * re-checks; afterwards everything works and the cookie is still signed in.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dropSchema, freshSchema } from '../support/postgres.js';
import { closeAll, connectClient, registerUser, startTestServer, upgradeStatus, type TestServer } from '../support/server.js';
import { describeWithPostgres } from '../support/services.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

await describeWithPostgres('PostgreSQL outage: sessions and accounts', (url) => {
  describe('sessions during a PostgreSQL outage', () => {
    const schema = freshSchema('sessout');
    let proxy: TcpProxy;
    let server: TestServer;
    beforeAll(async () => {
      const target = new URL(url);
      proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
      server = await startTestServer({ DATABASE_URL: proxy.via(url), DATABASE_SCHEMA: schema, SESSION_RECHECK_MS: '1000' });
    });
    afterAll(async () => {
      await proxy?.close();
      await dropSchema(url, schema);
      await closeAll(); // last: it removes the temporary folders the stores above live in
    });

    it('cut: upgrade 503, login 503, register 503, sockets stay; back: everything works', async () => {
      const alice = await registerUser(server);
      const a = await connectClient(server, alice.cookie);
      await proxy.cut();
      const statuses: Record<string, unknown> = {};
      const statusOf = (key: string) => (statuses[key] as [number, unknown])[0];
      statuses.upgrade = await upgradeStatus(server.wsUrl, { cookie: alice.cookie });
      const login = await server.http.post('/api/auth/login').send({ username: alice.username, password: alice.password });
      statuses.login = [login.status, login.body];
      const reg = await server.http.post('/api/auth/register').send({ username: `zz${Date.now() % 1e6}`, password: 'password123' });
      statuses.register = [reg.status, reg.body];
      const token = await server.http.post('/api/auth/token').set('cookie', alice.cookie);
      statuses.token = [token.status, token.body];
      const logout = await server.http.post('/api/auth/logout').set('cookie', alice.cookie);
      statuses.logout = [logout.status, logout.body];
      await new Promise((r) => setTimeout(r, 2500)); // several session re-checks
      statuses.socketOpen = a.ws.readyState;
      await proxy.restore();
      await vi.waitFor(() => server.http.get('/healthz').expect(200), { timeout: 8000, interval: 100 });
      await server.http.get('/api/auth/me').set('cookie', alice.cookie).expect(200);
      expect(statuses.upgrade).toBe(503);
      expect(statuses.login).toEqual([503, { error: 'unavailable', message: 'the account store is unavailable' }]);
      expect(statusOf('register')).toBe(503);
      expect(statusOf('token')).toBe(503);
      expect(statusOf('logout')).toBe(503);
      expect(statuses.socketOpen).toBe(1);
    }, 60_000);
  });
});
