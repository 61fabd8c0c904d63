import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  captureLogger,
  closeAll,
  connectClient,
  registerUser,
  startTestServer,
  stopTestServer,
  tempDir,
} from '../support/server.js';
import type { SqliteStores } from '../../src/store/sqlite/index.js';
import type { WorkerWriter } from '../../src/store/sqlite/worker-writer.js';

describe('operations', () => {
  afterAll(closeAll);

  it('/healthz: 200 {status: "ok"} while the stores answer, 503 once they do not', async () => {
    const server = await startTestServer();
    const ok = await server.http.get('/healthz').expect(200).expect('content-type', /json/);
    expect(ok.body).toEqual({ status: 'ok' });
    await server.stores.close();
    const down = await server.http.get('/healthz').expect(503);
    expect(down.body).toMatchObject({ status: 'unavailable', error: 'unavailable', message: expect.any(String) });
  });

  // docs/operations.md: /healthz is not logged, and a stranger cannot fill the log; the outage itself is one line.
  it('/healthz: 100 probes while the store is down write one warn line, not one each', async () => {
    const { logger, lines } = captureLogger();
    const server = await startTestServer({}, { logger });
    await server.http.get('/healthz').expect(200);
    await server.stores.close();
    const before = lines.length;
    const statuses = await Promise.all(Array.from({ length: 100 }, () => server.http.get('/healthz').then((r) => r.status)));
    expect(new Set(statuses)).toEqual(new Set([503]));
    expect(lines.slice(before)).toEqual([expect.objectContaining({ level: 40, msg: expect.stringContaining('health check failed') })]);
  });

  it('/healthz: 503, and a send gets error internal with nothing stored, when the SQLite write worker is gone', async () => {
    const server = await startTestServer();
    const user = await registerUser(server);
    const client = await connectClient(server, user.cookie);
    const stores = server.stores as SqliteStores;
    const writer = stores.writer as WorkerWriter;
    expect(writer.kind).toBe('worker');
    await writer.worker.terminate();
    await server.http.get('/healthz').expect(503);
    client.send({ type: 'private', to: user.id, content: 'lost?', client_id: 'w1' });
    expect(await client.next('error')).toMatchObject({ code: 'internal', client_id: 'w1' });
    expect(client.all('ack')).toEqual([]);
    expect(stores.db.prepare('SELECT count(*) FROM messages').pluck().get()).toBe(0);
  });

  it('/metrics: Prometheus text with parlor_ws_connections counting open sockets', async () => {
    const server = await startTestServer();
    const user = await registerUser(server);
    await Promise.all([connectClient(server, user.cookie), connectClient(server, user.cookie)]);
    const res = await server.http.get('/metrics').expect(200).expect('content-type', /^text\/plain/);
    expect(res.text).toContain('# TYPE parlor_ws_connections gauge');
    expect(res.text).toMatch(/^parlor_ws_connections 2$/m);
  });

  // docs/operations.md "Behind nginx": `location ~* ^/metrics { deny all; }`; and Parlor serves only the exact path.
  it('/metrics: served at that exact path only, not at /METRICS, /Metrics or /metrics/', async () => {
    const server = await startTestServer();
    for (const path of ['/METRICS', '/Metrics', '/metrics/']) {
      const res = await server.http.get(path);
      expect(res.text, `GET ${path}`).not.toContain('parlor_ws_connections');
    }
  });

  it('logs its URL and the store it uses at start', async () => {
    const { logger, lines } = captureLogger();
    const server = await startTestServer({}, { logger });
    const started = lines.find((l) => l.url === server.url);
    expect(started).toMatchObject({ msg: expect.stringContaining(server.url), store: expect.stringContaining('sqlite') });
  });

  it('hashes passwords with scrypt N=2^17, r=8, p=1 by default, parameters stored with the hash', async () => {
    const server = await startTestServer({ PASSWORD_HASH_COST: '' });
    const user = await registerUser(server);
    const stored = await server.stores.users.findById(user.id);
    expect(stored!.passwordHash).toMatch(/^scrypt\$131072\$8\$1\$/);
    await server.http.post('/api/auth/login').send({ username: user.username, password: user.password }).expect(200);
  });

  describe('without SESSION_SECRET', () => {
    it('generates one into the data folder once, says so, and reuses it on the next start: sessions survive a restart', async () => {
      const dir = tempDir();
      const dataDir = join(dir, 'nested', 'data');
      const env = { SESSION_SECRET: '', SQLITE_PATH: join(dataDir, 'parlor.db') };
      const secretPath = join(dataDir, 'session-secret');

      const first = captureLogger();
      const before = await startTestServer(env, { dir, logger: first.logger });
      expect(existsSync(secretPath)).toBe(true);
      expect(statSync(secretPath).mode & 0o777).toBe(0o600);
      const secret = readFileSync(secretPath, 'utf8').trim();
      expect(secret.length).toBeGreaterThanOrEqual(32);
      expect(first.lines.find((l) => l.path === secretPath)).toMatchObject({ msg: expect.stringMatching(/SESSION_SECRET/) });
      const user = await registerUser(before);
      await stopTestServer(before);

      const second = captureLogger();
      const after = await startTestServer(env, { dir, logger: second.logger });
      expect(readFileSync(secretPath, 'utf8').trim()).toBe(secret);
      expect(second.lines.find((l) => l.path === secretPath)).toMatchObject({ msg: expect.stringMatching(/SESSION_SECRET/) });
      expect(second.lines.find((l) => l.path === secretPath)!.msg).not.toBe(first.lines.find((l) => l.path === secretPath)!.msg);

      // The cookie from before the restart still signs in, over HTTP and on the socket.
      const me = await after.http.get('/api/auth/me').set('cookie', user.cookie).expect(200);
      expect(me.body).toEqual({ id: user.id, username: user.username });
      const client = await connectClient(after, user.cookie);
      expect(client.frames[0]).toMatchObject({ type: 'welcome', user_id: user.id });
    });

    it('never shares a secret between two data folders (no hard-coded default)', async () => {
      const secrets = [];
      for (const dir of [tempDir(), tempDir()]) {
        await startTestServer({ SESSION_SECRET: '', SQLITE_PATH: join(dir, 'parlor.db') }, { dir });
        secrets.push(readFileSync(join(dir, 'session-secret'), 'utf8'));
      }
      expect(secrets[0]).not.toBe(secrets[1]);
    });

    it('writes no file when SESSION_SECRET is set', async () => {
      const server = await startTestServer({ SESSION_SECRET: 'a-secret-from-the-environment-0123' });
      expect(existsSync(join(server.dir, 'session-secret'))).toBe(false);
    });
  });

  // The data folder holds every private message, password hash and session id: no other local account may read it.
  describe('the data folder and the database files', () => {
    const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

    it('a folder Parlor creates is 0700; the database, its -wal and -shm are 0600', async () => {
      const dir = tempDir();
      const data = join(dir, 'nested', 'data');
      const server = await startTestServer({ SQLITE_PATH: join(data, 'parlor.db') }, { dir });
      await registerUser(server);
      const db = join(data, 'parlor.db');
      expect([data, join(dir, 'nested'), db, `${db}-wal`, `${db}-shm`].map((p) => [p, modeOf(p)])).toEqual([
        [data, '700'],
        [join(dir, 'nested'), '700'],
        [db, '600'],
        [`${db}-wal`, '600'],
        [`${db}-shm`, '600'],
      ]);
    });

    it("a folder that exists keeps the operator's mode; the database files in it are still 0600", async () => {
      const dir = tempDir();
      const data = join(dir, 'shared');
      mkdirSync(data);
      chmodSync(data, 0o750);
      await startTestServer({ SQLITE_PATH: join(data, 'parlor.db') }, { dir });
      expect(modeOf(data)).toBe('750');
      expect(modeOf(join(data, 'parlor.db'))).toBe('600');
    });
  });
});
