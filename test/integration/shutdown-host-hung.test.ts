/**
 * `parlor.close()` ("Stops new sockets, finishes stored
 * writes, closes sockets with 1001", src/app.ts; contract section 3 "Server
 * shutdown ... closes sockets with 1001 and finishes stored writes first").
 * A host messagePolicy (a moderation call) that never answers holds a frame in
 * flight, and close() waits for it without bound: sockets never get 1001 and
 * the host's shutdown would hang. Nothing is stored for that frame, so there
 * is no stored write to finish: close() waits `shutdownWaitMs`, then closes.
 */
import { describe, expect, it } from 'vitest';
import { useSqliteHostApp } from '../support/host-app.js';

describe('parlor.close() with a host policy that never answers', () => {
  // Released after the assertions, so the suite's own teardown can end.
  let release: (v: { allow: false; reason: string }) => void = () => {};
  const app = useSqliteHostApp({
    userDirectory: { existing: (ids) => [...ids] },
    messagePolicy: { check: () => new Promise((r) => (release = r)) },
    manager: { shutdownWaitMs: 300 },
  });

  it('still closes the sockets with 1001 and resolves, after shutdownWaitMs; the held frame is neither acked nor stored', async () => {
    const a = await app.host.connect(1);
    a.send({ type: 'private', to: 2, content: 'held by the moderation service', client_id: 'h1' });
    await new Promise((r) => setTimeout(r, 100));
    const closed = app.host.parlor.close().then(() => 'resolved');
    const outcome = await Promise.race([closed, new Promise((r) => setTimeout(() => r('still waiting after 8 s'), 8000))]);
    const socket = await Promise.race([a.closed, new Promise((r) => setTimeout(() => r({ code: 'still open' }), 100))]);
    release({ allow: false, reason: 'released by the test' });
    expect(outcome).toBe('resolved');
    expect(socket).toMatchObject({ code: 1001 });
    expect(a.all('ack')).toEqual([]);
    expect((await app.stores.messages.privateHistory(1, 2, { limit: 10 })).items).toEqual([]);
  }, 15000);
});
