/**
 * A replayed private message (a `sync` after the recipient was offline) carries no receipt decision: once its
 * write to the recipient completes, Manager.markDelivered asks the ConsentStore whether the recipient's receipts
 * may reach the sender (Consent.maySignal). When that question fails, the delivered mark is still recorded and
 * no receipt goes out (src/websocket/manager.ts: "Recorded either way, the question failing too"); the failure
 * itself is rethrown after the mark, so the Manager's background-work logger reports it. This pins that last
 * part: the outage is logged as an error, through the logger's loggable-error rule (no field of the store's
 * error that may hold a credential), not swallowed.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ConsentStore, Relation } from '../../src/websocket/consent-store.js';
import { Manager } from '../../src/websocket/manager.js';
import { FakeSocket, framesOf, mockGroupMemberFetcher, mockPersister, mockSessionResolver, nextFrame, settle } from '../support/mocks.js';
import { captureLogger } from '../support/server.js';

const open: Relation = { blocking: false, blockedBy: false, wrote: false, peerWrote: false, shareGroup: false };

let manager: Manager | undefined;
afterEach(async () => {
  await manager?.close();
  manager = undefined;
});

describe('Manager: the receipt question of a replayed message fails', () => {
  it('records the mark, sends no receipt, and logs the failure as an error without the store error\'s fields', async () => {
    const { logger, lines } = captureLogger();
    // User 2 has written to user 1 (their receipts may reach 1) until the store fails on that question.
    let storeDown = false;
    const relation = vi.fn<ConsentStore['relation']>((user, peer) => {
      if (user === 2 && peer === 1 && storeDown) {
        throw Object.assign(new Error('consent store down'), { query: 'SELECT ... WHERE sid = s%3Asecret-session-cookie' });
      }
      return { ...open, wrote: user === 2 };
    });
    const consent: ConsentStore = { relation, block: () => true, unblock: () => true, blockedBy: () => [], blockedEitherWay: () => [] };
    const groups = mockGroupMemberFetcher();
    const persister = mockPersister({ groups });
    manager = new Manager(mockSessionResolver(), groups, persister, { logger }, undefined, undefined, consent);
    const connect = (userId: number) => {
      const socket = new FakeSocket();
      manager!.addConnection(socket, { userId, via: 'cookie' });
      return socket;
    };

    const a = connect(1);
    a.receive({ type: 'private', to: 2, content: 'hi', client_id: 'c' });
    const { id } = await nextFrame(a, 'ack');
    await settle(); // user 2 offline: nothing delivered yet

    storeDown = true;
    const b = connect(2);
    b.receive({ type: 'sync', since: 0 });
    await nextFrame(b, 'synced');
    await settle();

    expect(framesOf(b, 'private').map((m) => m.id)).toEqual([id]);
    expect(relation).toHaveBeenCalledWith(2, 1);
    expect(persister.markDelivered).toHaveBeenCalledWith(id, 2);
    expect(framesOf(a, 'receipt')).toEqual([]);
    const failures = lines.filter((l) => l.level >= 40);
    expect(failures).toEqual([expect.objectContaining({ level: 50, msg: 'background work failed', err: expect.objectContaining({ message: 'consent store down' }) })]);
    expect(JSON.stringify(lines)).not.toContain('secret-session-cookie');
  });
});
