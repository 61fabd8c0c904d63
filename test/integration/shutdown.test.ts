import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import supertest from 'supertest';
import WebSocket from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import { closeAll, connectClient, cookieOf, registerUser, startTestServer } from '../support/server.js';
import { startServerProcess, stopServerProcess, type ServerProcess } from '../support/process.js';

/** Every message id stored in the cookie holder's conversation with `peerId`, ascending (all pages). */
async function storedIds(url: string, cookie: string, peerId: number): Promise<number[]> {
  const ids: number[] = [];
  let before: number | undefined;
  for (;;) {
    const q = `/api/messages/private?user=${peerId}&limit=100${before ? `&before=${before}` : ''}`;
    const page = await supertest(url).get(q).set('cookie', cookie).expect(200);
    ids.push(...page.body.messages.map((m: { id: number }) => m.id));
    if (!page.body.has_more) return ids.sort((a, b) => a - b);
    before = page.body.messages.at(-1).id;
  }
}

describe('graceful shutdown of the standalone server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parlor-shutdown-'));
  // No rate limit: the sends must keep writes in flight when the signal lands, not get `rate_limited`.
  const envFor = (signal: string) => ({
    SQLITE_PATH: join(dir, `${signal}.db`),
    SESSION_SECRET: 'shutdown-test-secret-0123456789',
    WS_RATE_LIMIT: '100000',
    WS_RATE_BURST: '100000',
  });
  let proc: ServerProcess | undefined;
  afterAll(async () => {
    if (proc) await stopServerProcess(proc);
    rmSync(dir, { recursive: true, force: true });
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    // Generous timeout: the first test of a run may compile dist/ before it can start the process.
    it(`on ${signal}: finishes the writes in flight, acks each, closes sockets with 1001, exits 0`, { timeout: 90_000 }, async () => {
      proc = await startServerProcess(envFor(signal));
      const http = supertest(proc.url);
      const reg = await http.post('/api/auth/register').send({ username: `u_${signal}`, password: 'correct horse' }).expect(201);
      const cookie = cookieOf(reg.headers['set-cookie']);
      const ws = new WebSocket(`${proc.url.replace('http', 'ws')}/ws`, { headers: { cookie } });
      const frames: any[] = [];
      const acked: number[] = [];
      let firstAck!: () => void;
      const acking = new Promise<void>((resolve) => (firstAck = resolve));
      ws.on('message', (d) => {
        const frame = JSON.parse(d.toString());
        frames.push(frame);
        if (frame.type !== 'ack') return;
        acked.push(frame.id);
        firstAck();
      });
      const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
      ws.on('error', () => {}); // a send racing the close may fail; the close code below is what counts
      await new Promise((resolve) => ws.once('open', resolve));

      // Keep sending until the socket closes, so that writes are in flight whenever the signal lands;
      // signal once the writes are flowing (the first ack), not after a guessed delay.
      let sent = 0;
      const pump = setInterval(() => {
        for (let i = 0; i < 20 && sent < 2000 && ws.readyState === ws.OPEN; i++, sent++) {
          ws.send(JSON.stringify({ type: 'private', to: reg.body.id, content: `m${sent}`, client_id: `c${sent}` }));
        }
      }, 2);
      await acking;
      proc.child.kill(signal);

      expect(await closed).toBe(1001);
      clearInterval(pump);
      const { code } = await proc.exited;
      expect(code).toBe(0);
      expect(proc.logs.some((l) => l.msg === 'stopped')).toBe(true);
      // Frames that arrived after shutdown began get no answer at all, so no error either.
      expect(frames.filter((f) => f.type === 'error')).toEqual([]);

      // Restart on the same file: every message the server took is stored AND was acked before
      // its socket closed (a write left in flight would be stored without an ack), and only those.
      proc = await startServerProcess(envFor(signal));
      const stored = await storedIds(proc.url, cookie, reg.body.id);
      expect(acked.length).toBeGreaterThan(0);
      expect(stored).toEqual([...acked].sort((a, b) => a - b));
      await stopServerProcess(proc, 'SIGTERM');
      proc = undefined;
    });
  }

  it('a second SIGTERM while the shutdown runs is logged and ignored: the process still exits 0 after "stopped"', { timeout: 90_000 }, async () => {
    proc = await startServerProcess(envFor('twice'));
    const reg = await supertest(proc.url).post('/api/auth/register').send({ username: 'u_twice', password: 'correct horse' }).expect(201);
    const ws = new WebSocket(`${proc.url.replace('http', 'ws')}/ws`, { headers: { cookie: cookieOf(reg.headers['set-cookie']) } });
    ws.on('error', () => {});
    await new Promise((resolve) => ws.once('open', resolve));
    // A client that does not read (so does not answer the close frame) keeps the shutdown going for
    // closeTimeoutMs: the window the second signal lands in.
    (ws as unknown as { _socket: { pause(): void } })._socket.pause();

    proc.child.kill('SIGTERM');
    const logs = proc.logs;
    await waitForLog(() => logs.some((l) => typeof l.msg === 'string' && l.msg.startsWith('shutting down')));
    proc.child.kill('SIGTERM');

    expect(await proc.exited).toEqual({ code: 0, signal: null });
    expect(logs.some((l) => l.msg === 'stopped')).toBe(true);
    expect(logs.filter((l) => l.signal === 'SIGTERM').map((l) => l.level)).toEqual([30, 40]); // received, then received again
    proc = undefined;
    ws.terminate();
  });
});

/** Polls the process's log lines (every 10 ms, up to 5 s). */
async function waitForLog(seen: () => boolean): Promise<void> {
  const started = Date.now();
  while (!seen()) {
    if (Date.now() - started > 5000) throw new Error('log line not seen in 5 s');
    await new Promise((r) => setTimeout(r, 10));
  }
}

// docs/operations.md, "Shutdown": the server closes its listening socket first.
describe('a new connection during shutdown', () => {
  afterAll(closeAll);

  it('is refused (ECONNREFUSED): a load balancer sends it elsewhere', async () => {
    const server = await startTestServer();
    const user = await registerUser(server);
    // A client that does not answer the close frame keeps the shutdown going (closeTimeoutMs).
    const stuck = await connectClient(server, user.cookie);
    (stuck.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const closing = server.close();
    await new Promise((r) => setTimeout(r, 100));
    const port = Number(new URL(server.url).port);
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
    stuck.ws.terminate();
    await closing;
  });
});
