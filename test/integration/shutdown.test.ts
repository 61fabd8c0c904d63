import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import supertest from 'supertest';
import WebSocket from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import { cookieOf } from '../support/server.js';
import { startServerProcess, stopServerProcess, type ServerProcess } from '../support/process.js';

describe('graceful shutdown of the standalone server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parlor-shutdown-'));
  let proc: ServerProcess | undefined;
  afterAll(async () => {
    if (proc) await stopServerProcess(proc);
    rmSync(dir, { recursive: true, force: true });
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    // Generous timeout: the first test of a run may compile dist/ before it can start the process.
    it(`on ${signal}: closes sockets with 1001, keeps acked messages, exits 0`, { timeout: 90_000 }, async () => {
      proc = await startServerProcess({ SQLITE_PATH: join(dir, `${signal}.db`), SESSION_SECRET: 'shutdown-test-secret-0123456789' });
      const http = supertest(proc.url);
      const reg = await http.post('/api/auth/register').send({ username: `u_${signal}`, password: 'correct horse' }).expect(201);
      const cookie = cookieOf(reg.headers['set-cookie']);
      const ws = new WebSocket(`${proc.url.replace('http', 'ws')}/ws`, { headers: { cookie } });
      const frames: any[] = [];
      ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
      const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
      await new Promise((resolve) => ws.once('open', resolve));
      // A burst of sends, then the signal right away: every acked message must be on disk.
      for (let i = 0; i < 50; i++) ws.send(JSON.stringify({ type: 'private', to: reg.body.id, content: `m${i}`, client_id: `c${i}` }));
      await new Promise((r) => setTimeout(r, 20));
      proc.child.kill(signal);

      expect(await closed).toBe(1001);
      const { code } = await proc.exited;
      expect(code).toBe(0);
      const acked = frames.filter((f) => f.type === 'ack').map((f) => f.id);
      expect(acked.length).toBeGreaterThan(0);
      expect(proc.logs.some((l) => l.msg === 'stopped')).toBe(true);

      // Restart on the same file: every acked id is there.
      proc = await startServerProcess({ SQLITE_PATH: join(dir, `${signal}.db`), SESSION_SECRET: 'shutdown-test-secret-0123456789' });
      const history = await supertest(proc.url).get(`/api/messages/private?user=${reg.body.id}&limit=100`).set('cookie', cookie).expect(200);
      const stored = new Set(history.body.messages.map((m: { id: number }) => m.id));
      for (const id of acked) expect(stored.has(id)).toBe(true);
      await stopServerProcess(proc, 'SIGTERM');
      proc = undefined;
    });
  }
});
