/**
 * The slow-consumer rule on a real socket: typing and presence frames to a
 * client that stopped reading are held back (the latest per key) and written
 * when the upgrade socket says its buffer emptied ('drain'), with no polling.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { rawUpgrade } from '../support/raw-ws.js';
import { closeAll, registerUsers, startTestServer, waitFor } from '../support/server.js';

afterAll(closeAll);

/** About 24 KB of escaped JSON per frame. */
const HEAVY = '\u0001'.repeat(4000);

describe('held-back frames on a real socket', () => {
  it("are written at the transport's 'drain' once the client reads again, only the latest per key", async () => {
    // drainCheckMs of 10 minutes: within this test, only 'drain' can flush.
    const server = await startTestServer({}, { manager: { maxBufferedBytes: 64 << 20, shedBufferedBytes: 256 << 10, drainCheckMs: 600_000 } });
    const [alice, bob] = await registerUsers(server, 2);
    const raw = await rawUpgrade(server.url, { cookie: alice.cookie });
    await raw.nextMessage('welcome');
    raw.socket.pause();

    // About 10 MB: more than loopback socket buffers hold, so the server's own buffer fills past shedBufferedBytes.
    const manager = server.parlor.manager;
    for (let id = 1; id <= 400; id++) manager.sendToUser(alice.id, 'private', { id, from: bob.id, to: alice.id, content: HEAVY, timestamp: id });
    manager.sendToUser(alice.id, 'typing', { from: bob.id, to: alice.id, is_typing: true });
    manager.sendToUser(alice.id, 'typing', { from: bob.id, to: alice.id, is_typing: false });

    raw.socket.resume();
    await waitFor(() => raw.messages().some((m) => m.type === 'typing'), 10_000, 'the held-back typing frame');
    const frames = raw.messages().filter((m) => m.type !== 'welcome');
    expect(frames.filter((m) => m.type === 'private')).toHaveLength(400);
    // Held back, the second typing state replaced the first.
    expect(frames.filter((m) => m.type === 'typing')).toEqual([{ type: 'typing', from: bob.id, to: alice.id, is_typing: false }]);
    expect(frames.at(-1)?.type).toBe('typing');
    raw.destroy();
  }, 30_000);
});
