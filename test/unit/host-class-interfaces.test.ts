/**
 * A host's interfaces written as classes with `#private` fields: Parlor's
 * wrappers (the write timing of /metrics, the failure guard of contract
 * section 4) call every method on the host's own instance, so none of them
 * throws "Cannot read private member".
 */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { guardInterface } from '../../src/interface-failure.js';
import { timeStoreWrites } from '../../src/metrics.js';
import type { Page } from '../../src/types.js';
import type { MessagePersister, SavePrivateInput } from '../../src/websocket/message-persister.js';
import type { GroupMessage, Notification, PrivateMessage } from '../../src/websocket/protocol.js';

class HostPersister implements MessagePersister {
  #rows: PrivateMessage[] = [];

  savePrivate(input: SavePrivateInput) {
    const message: PrivateMessage = { id: this.#rows.length + 1, from: input.from, to: input.to, content: input.content, timestamp: 1 };
    this.#rows.push(message);
    return { message, duplicate: false };
  }
  saveGroup(): { message: GroupMessage; duplicate: boolean } {
    throw new Error('no groups here');
  }
  saveNotification(userId: number, subtype: string, message: string): Notification {
    return { id: userId, subtype, message, timestamp: 1 };
  }
  privateHistory(userId: number, otherId: number): Page<PrivateMessage> {
    const items = this.#rows.filter((m) => (m.from === userId && m.to === otherId) || (m.from === otherId && m.to === userId));
    return { items: items.reverse(), hasMore: false };
  }
  groupHistory(): Page<GroupMessage> {
    return { items: [], hasMore: false };
  }
  markDelivered(messageId: number): boolean {
    return this.#rows.some((m) => m.id === messageId);
  }
}

class HostDirectory {
  #ids = new Set([1, 2]);
  existing(ids: readonly number[]): number[] {
    return ids.filter((id) => this.#ids.has(id));
  }
}

describe("a host's interfaces as classes with #private fields", () => {
  it('timeStoreWrites: reads and optional methods reach the instance; absent optional methods stay absent', async () => {
    const timed = timeStoreWrites(new HostPersister(), new Registry());
    const saved = await timed.savePrivate({ from: 1, to: 2, content: 'hi' });
    expect((await timed.privateHistory(2, 1, { limit: 5 })).items).toEqual([saved.message]);
    expect(await timed.markDelivered!(saved.message.id, 2)).toBe(true);
    expect(timed.markRead).toBeUndefined();
    expect(timed.messagesSince).toBeUndefined();
  });

  it('guardInterface: the same', () => {
    const guarded = guardInterface('userDirectory', new HostDirectory());
    expect(guarded.existing([1, 3])).toEqual([1]);
  });
});
