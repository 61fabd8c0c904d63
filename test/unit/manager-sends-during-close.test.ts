import { afterEach, describe, expect, it } from 'vitest';
import type { Saved } from '../../src/websocket/message-persister.js';
import type { PrivateMessage } from '../../src/websocket/protocol.js';
import { createHarness, deferred, framesOf, mockUserDirectory, settle, type Harness } from '../support/mocks.js';

/**
 * The Manager's own sends that are not frames (sendPrivate, sendGroup: HTTP or host code) and notify(), around
 * close(): refused with `unavailable` once it began (nothing stored), and waited for when under way, so what they
 * store is routed before the sockets (and the broker) close.
 */
let h: Harness;
afterEach(async () => {
  await h?.stop();
});

describe('Manager: sends that are not frames, and notify(), during close()', () => {
  it('refuses sendPrivate and sendGroup once close() began, storing nothing', async () => {
    h = createHarness({ contacts: { 1: [], 2: [] }, groups: { 7: { accepted: [1, 2] } } });
    const closing = h.manager.close();

    await expect(h.manager.sendPrivate({ from: 1, to: 2, content: 'late', clientId: 'late-p' })).rejects.toMatchObject({ code: 'unavailable' });
    await expect(h.manager.sendGroup({ from: 1, groupId: 7, content: 'late', clientId: 'late-g' })).rejects.toMatchObject({ code: 'unavailable' });
    await closing;
    expect(h.persister.savePrivate).not.toHaveBeenCalled();
    expect(h.persister.saveGroup).not.toHaveBeenCalled();
  });

  it('waits for a sendPrivate under way: close() resolves after it is stored and routed, before the recipient is closed', async () => {
    h = createHarness({ contacts: { 1: [], 2: [] } });
    const write = deferred<Saved<PrivateMessage>>();
    h.persister.savePrivate.mockImplementationOnce(() => write.promise);
    const bob = h.connect(2);
    const sent = h.manager.sendPrivate({ from: 1, to: 2, content: 'over http', clientId: 'h1' });
    await settle();
    expect(h.persister.savePrivate).toHaveBeenCalledTimes(1);

    let closed = false;
    const closing = h.manager.close().then(() => (closed = true));
    await settle();
    expect(closed).toBe(false);
    expect(bob.closeCode).toBeUndefined();

    write.resolve({ message: { id: 9, from: 1, to: 2, content: 'over http', timestamp: 5 }, duplicate: false });
    await expect(sent).resolves.toMatchObject({ message: { id: 9 } });
    await closing;
    expect(framesOf(bob, 'private')).toEqual([{ type: 'private', id: 9, from: 1, to: 2, content: 'over http', timestamp: 5 }]);
    expect(bob.closeCode).toBe(1001);
  });

  it('waits for a notify() under way from its user lookup on: its notice is stored before close() resolves', async () => {
    const directory = mockUserDirectory([1, 2, 3]);
    h = createHarness({ directory });
    const lookup = deferred<number[]>();
    directory.existing.mockImplementationOnce(() => lookup.promise as never);
    const notified = h.manager.notify(3, 'group_invite', 'alice invited you', { group_id: 7 });
    await settle();
    expect(directory.existing).toHaveBeenCalledTimes(1);

    let closed = false;
    const closing = h.manager.close().then(() => (closed = true));
    await settle();
    expect(closed).toBe(false);

    lookup.resolve([3]);
    await closing;
    expect(h.persister.saveNotification).toHaveBeenCalledTimes(1);
    await expect(notified).resolves.toMatchObject({ subtype: 'group_invite' });
  });
});
