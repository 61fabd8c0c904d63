/**
 * Issue #15, finding 2: a stranger's flood must not keep a user's `sync` from
 * ever completing. The replay writes no faster than the client reads (a byte
 * budget in the socket's buffer, waiting for its writes to complete), so a
 * big backlog reaches a client that reads normally, or slowly, in full.
 */
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { rawUpgrade, textFrame } from '../support/raw-ws.js';
import { closeAll, connectClient, registerUsers, startTestServer, stopTestServer, type TestServer, type TestUser } from '../support/server.js';

afterAll(closeAll);

/** 4000 × U+0001: 4000 characters stored, about 24 KB as escaped JSON in each frame. */
const HEAVY = '\u0001'.repeat(4000);

/**
 * Stores `n` such messages from `from` to `to`. Through the Manager's
 * `sendPrivate`, the method POST /api/messages/private calls: the same store
 * and routing as REST, without the per-user limit HTTP sends may carry.
 */
async function flood(server: TestServer, from: TestUser, to: TestUser, n: number): Promise<number[]> {
  const sends = Array.from({ length: n }, () => server.parlor.manager.sendPrivate({ from: from.id, to: to.id, content: HEAVY }));
  const ids = (await Promise.all(sends)).map((s) => s.message.id);
  return ids.sort((a, b) => a - b);
}

/** `frame`, unless the server closes the socket first: then fail with its close code. */
function beforeClose<T>(frame: Promise<T>, closed: Promise<{ code: number | undefined }>): Promise<T> {
  const fail = closed.then(({ code }) => Promise.reject(new Error(`the server closed the socket with ${code} before synced`)));
  return Promise.race([frame, fail]);
}

describe('sync after a flood of heavy messages', () => {
  it('completes for a client that reads normally: every message once, then synced, and no 1013 (default limits)', async () => {
    const server = await startTestServer();
    const [stranger, victim] = await registerUsers(server, 2);
    const ids = await flood(server, stranger, victim, 200);
    expect(JSON.stringify(HEAVY).length).toBeGreaterThan(24_000);

    const client = await connectClient(server, victim.cookie);
    client.send({ type: 'sync', since: 0 });
    const synced = await beforeClose(client.next('synced', undefined, 20_000), client.closed);
    expect(synced.last_id).toBe(ids.at(-1));
    expect(client.all('private').map((f) => f.id)).toEqual(ids);
    expect(client.all('private').every((f) => f.content === HEAVY && f.replayed === true)).toBe(true);
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
  }, 30_000);

  it('waits for a client that stops reading mid-replay instead of closing it, then finishes (MAX_BUFFERED_BYTES 64 KiB)', async () => {
    const server = await startTestServer({ MAX_BUFFERED_BYTES: String(64 * 1024) });
    const [stranger, victim] = await registerUsers(server, 2);
    // About 10 MB of frames: more than loopback socket buffers hold, so the server's own buffer is what fills.
    const ids = await flood(server, stranger, victim, 400);

    const raw = await rawUpgrade(server.url, { cookie: victim.cookie });
    expect(raw.status).toBe(101);
    await raw.nextMessage('welcome');
    raw.write(textFrame(JSON.stringify({ type: 'sync', since: 0 })));
    await raw.nextMessage('private');
    raw.socket.pause();
    await new Promise((r) => setTimeout(r, 500));
    raw.socket.resume();

    expect(await beforeClose(raw.nextMessage('synced', 20_000), raw.closed)).toEqual({ type: 'synced', last_id: ids.at(-1) });
    expect(raw.messages().filter((m) => m.type === 'private').map((m) => m.id)).toEqual(ids);
    raw.destroy();
  }, 30_000);

  it('lets the server shut down during a replay to a client that stopped reading, without synced', async () => {
    const server = await startTestServer({ MAX_BUFFERED_BYTES: String(64 * 1024) });
    const [stranger, victim] = await registerUsers(server, 2);
    await flood(server, stranger, victim, 400);

    const raw = await rawUpgrade(server.url, { cookie: victim.cookie });
    await raw.nextMessage('welcome');
    raw.write(textFrame(JSON.stringify({ type: 'sync', since: 0 })));
    await raw.nextMessage('private');
    raw.socket.pause();
    await new Promise((r) => setTimeout(r, 200)); // the replay is now waiting for this client

    // Shutdown finishes in-flight work before it closes sockets: a replay still waiting for a client that
    // never reads would hold it until the heartbeat gave up on that client (a minute), past this test's timeout.
    await stopTestServer(server);
    raw.socket.resume();
    await raw.closed;
    expect(raw.messages().filter((m) => m.type === 'synced')).toEqual([]);
  }, 30_000);
});
