import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import supertest from 'supertest';
import WebSocket from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import { cookieOf } from '../support/server.js';
import { startServerProcess, stopServerProcess, type ServerProcess } from '../support/process.js';

/**
 * The guarantee of docs/guarantees.md: once a client holds an `ack`, a crash
 * of the server does not lose that message; without an ack, resending with the
 * same client_id never makes a duplicate. The server is killed with SIGKILL
 * (no shutdown code runs) while messages are in flight.
 */
describe('crash safety: SIGKILL while messages are in flight', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parlor-crash-'));
  const env = { SQLITE_PATH: join(dir, 'crash.db'), SESSION_SECRET: 'crash-test-secret-0123456789abcdef', WS_RATE_LIMIT: '100000', WS_RATE_BURST: '100000' };
  let proc: ServerProcess | undefined;
  afterAll(async () => {
    if (proc) await stopServerProcess(proc);
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every acked message and stores each client_id once after resending', { timeout: 90_000 }, async () => {
    proc = await startServerProcess(env);
    const http = supertest(proc.url);
    const register = async (username: string) => {
      const res = await http.post('/api/auth/register').send({ username, password: 'correct horse' }).expect(201);
      return { id: res.body.id as number, cookie: cookieOf(res.headers['set-cookie']) };
    };
    const sender = await register('sender');
    const recipient = await register('recipient');

    const ws = new WebSocket(`${proc.url.replace('http', 'ws')}/ws`, { headers: { cookie: sender.cookie } });
    const acked = new Map<string, number>();
    ws.on('message', (d) => {
      const f = JSON.parse(d.toString());
      if (f.type === 'ack') acked.set(f.client_id, f.id);
    });
    ws.on('error', () => {});
    await new Promise((resolve) => ws.once('open', resolve));

    // Pipeline sends continuously; kill the process once some acks are in and more are in flight.
    const total = 2000;
    let sent = 0;
    const pump = setInterval(() => {
      for (let i = 0; i < 50 && sent < total && ws.readyState === ws.OPEN; i++, sent++) {
        ws.send(JSON.stringify({ type: 'private', to: recipient.id, content: `m${sent}`, client_id: `c${sent}` }));
      }
    }, 1);
    while (acked.size < 200) await new Promise((r) => setTimeout(r, 5));
    proc.child.kill("SIGKILL");
    await proc.exited;
    clearInterval(pump);
    expect(sent).toBeGreaterThan(acked.size); // some sends were never acked: the interesting case

    // Restart on the same file; every acked message is there with the acked id.
    proc = await startServerProcess(env);
    const restarted = supertest(proc.url);
    const stored = async () => {
      const byClientContent = new Map<string, number>();
      let before: number | undefined;
      for (;;) {
        const q = `/api/messages/private?user=${recipient.id}&limit=100${before ? `&before=${before}` : ''}`;
        const page = await restarted.get(q).set('cookie', sender.cookie).expect(200);
        for (const m of page.body.messages) {
          expect(byClientContent.has(m.content)).toBe(false); // no duplicates
          byClientContent.set(m.content, m.id);
        }
        if (!page.body.has_more) return byClientContent;
        before = page.body.messages.at(-1).id;
      }
    };
    const afterCrash = await stored();
    for (const [clientId, id] of acked) expect(afterCrash.get(`m${clientId.slice(1)}`)).toBe(id);

    // Resend everything that was sent (acked or not) with the same client_ids: no duplicates, same ids for acked ones.
    const ws2 = new WebSocket(`${proc.url.replace('http', 'ws')}/ws`, { headers: { cookie: sender.cookie } });
    const acks2 = new Map<string, number>();
    ws2.on('message', (d) => {
      const f = JSON.parse(d.toString());
      if (f.type === 'ack') acks2.set(f.client_id, f.id);
    });
    await new Promise((resolve) => ws2.once('open', resolve));
    for (let i = 0; i < sent; i++) ws2.send(JSON.stringify({ type: 'private', to: recipient.id, content: `m${i}`, client_id: `c${i}` }));
    while (acks2.size < sent) await new Promise((r) => setTimeout(r, 10));
    for (const [clientId, id] of acked) expect(acks2.get(clientId)).toBe(id);
    const final = await stored();
    expect(final.size).toBe(sent);
    ws2.close();
  });
});
