/**
 * A password change's keep order (Manager.keepSession) renames the kept
 * session's sockets here, and with them the session's owner (SessionOwners):
 * the new id is the user's, the old one is forgotten, and once the last
 * socket closes nothing of either is left. A socket that then opens for the
 * new id as another user ends the kept ones, as for any session.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, settle, type Harness } from '../support/mocks.js';

const contacts = { 1: [], 2: [] };

describe('a keep order and the owners of sessions', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });
  const ownersOf = (harness: Harness) =>
    (harness.manager as unknown as { sessionOwners: { size: number; ownerOf(id: string): number | undefined } }).sessionOwners;

  it('moves the owner to the new id and forgets the old one; nothing is left once the socket closes', async () => {
    h = createHarness({ contacts });
    const kept = h.connect(1, { sessionId: 'old-id' });
    await h.manager.keepSession(1, { sessionId: 'old-id', renamedTo: 'new-id' });
    const owners = ownersOf(h);
    expect([owners.ownerOf('new-id'), owners.ownerOf('old-id'), owners.size]).toEqual([1, undefined, 1]);
    expect(kept.closeCode).toBeUndefined();
    kept.peerClose(1000);
    await settle();
    expect(owners.size).toBe(0);
  });

  it('a socket opened for the new id as another user ends the kept socket', async () => {
    h = createHarness({ contacts });
    const kept = h.connect(1, { sessionId: 'old-id' });
    await h.manager.keepSession(1, { sessionId: 'old-id', renamedTo: 'new-id' });
    const other = h.connect(2, { sessionId: 'new-id' });
    expect(kept.closeCode).toBe(4401);
    expect(other.closeCode).toBeUndefined();
  });
});
