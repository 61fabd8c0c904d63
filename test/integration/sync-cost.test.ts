/**
 * Security review: what one account's `sync` frames cost the server.
 *
 * Every `sync` reads one index range per group and per private conversation of
 * the user (SqliteMessageStore.messagesSince), synchronously on the event
 * loop, even when nothing is newer than `since`. A user in 1000 groups (50
 * seconds of POST /api/groups within the HTTP budget) made each empty sync
 * about 14 ms of main-thread SQLite when this was found (1-2 ms since the
 * store finds the conversations with news in one statement, 26d06dd). The frame budget is per connection
 * (20/s) and a user may hold 32 connections: 640 syncs a second from one
 * account kept the event loop of the whole server busy (measured: 640 empty
 * syncs took 5.9 s, back to back, every other user's frames queued behind
 * them). HTTP reads of the same kind (GET /api/conversations) are charged to
 * a per-user budget; `sync` must be too.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { closeAll, connectClient, registerUsers, startTestServer, type TestClient } from '../support/server.js';

afterAll(closeAll);

/** The answer to one sync frame: `synced`, or the code of the `error` frame. */
async function syncOnce(client: TestClient, taken: Set<object>): Promise<string> {
  client.send({ type: 'sync', since: Number.MAX_SAFE_INTEGER });
  const frame = await new Promise<Record<string, any>>((resolve, reject) => {
    const deadline = Date.now() + 20_000;
    const check = () => {
      const f = client.frames.find((x) => (x.type === 'synced' || x.type === 'error') && !taken.has(x));
      if (f) return resolve(f);
      if (Date.now() > deadline) return reject(new Error('no answer to sync'));
      setTimeout(check, 5);
    };
    check();
  });
  taken.add(frame);
  return frame.type === 'synced' ? 'synced' : frame.code;
}

describe('sync frames of one user', () => {
  it('are bounded per user, not per connection: 32 sockets do not multiply what one account may make the store read', async () => {
    // The clock of the budgets stands still: no token comes back during the test, so the bound is exact.
    const t0 = Date.now();
    const server = await startTestServer({}, { manager: { now: () => t0 } });
    const [heavy] = await registerUsers(server, 1);
    for (let i = 0; i < 1000; i++) await server.stores.groups.createGroup(heavy.id, `g${i}`);

    const messages = server.stores.messages;
    const original = messages.messagesSince!.bind(messages);
    let reads = 0;
    messages.messagesSince = (...args) => {
      reads++;
      return original(...args);
    };

    const clients = await Promise.all(Array.from({ length: 32 }, () => connectClient(server, heavy.cookie)));
    // Three syncs on each socket, one at a time (one replay per connection): well inside each socket's frame budget (burst 40).
    const answers = (
      await Promise.all(
        clients.map(async (c) => {
          const taken = new Set<object>();
          const out: string[] = [];
          for (let i = 0; i < 3; i++) out.push(await syncOnce(c, taken));
          return out;
        }),
      )
    ).flat();

    const synced = answers.filter((a) => a === 'synced').length;
    // One user's syncs come from one budget, as its HTTP reads do (HTTP_READ_BURST, 60 at once).
    expect(reads).toBeLessThanOrEqual(60);
    expect(synced).toBeLessThanOrEqual(60);
    expect(answers.filter((a) => a !== 'synced').every((a) => a === 'rate_limited')).toBe(true);
  }, 120_000);
});
