import { describe, expect, it } from 'vitest';
import { ReadConversations } from '../../src/client/read-conversations.js';
import type { MessageFrame } from '../../src/client/inbox.js';

/** ReadConversations remembers the senders of the last `capacity` private messages handed to the app, no more. */
const fromUser5 = (id: number): MessageFrame => ({ type: 'private', id, from: 5, to: 1, content: 'hi', timestamp: id }) as MessageFrame;

describe('ReadConversations: bounded by its capacity', () => {
  it('forgets the sender of the oldest message past capacity: its mark is then a conversation of its own', () => {
    const conversations = new ReadConversations(2);
    for (const id of [1, 2, 3]) conversations.delivered(fromUser5(id));
    expect(conversations.of(1, undefined)).toBe('message:1');
    expect(conversations.of(2, undefined)).toBe('from:5');
    expect(conversations.of(3, undefined)).toBe('from:5');
  });

  it('group messages take no room: a mark in a group names the group', () => {
    const conversations = new ReadConversations(1);
    conversations.delivered(fromUser5(1));
    conversations.delivered({ type: 'group', id: 2, from: 5, group_id: 7, content: 'hi', timestamp: 2 } as MessageFrame);
    expect(conversations.of(1, undefined)).toBe('from:5');
    expect(conversations.of(2, 7)).toBe('group:7');
  });
});
