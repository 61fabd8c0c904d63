/**
 * Host code acting on messages: a listener on `parlor.events` that decides
 * what a push service would be sent (recipients with no connection anywhere
 * in the cluster), plus a message policy ("only users who share a group may
 * start a conversation"). Replace `send` with your push provider's client.
 *
 * test/integration/policy-and-events.test.ts runs this very file.
 */
import type { GroupMemberFetcher, MessagePolicy, Parlor } from '../src/index.js';

export interface Push {
  to: number;
  title: string;
  body: string;
  /** Where the app should open: the conversation. */
  data: { message_id: number; from: number; group_id?: number };
}

/** Sends a push for every stored message to each recipient who is offline; returns the function that stops. */
export function pushOfflineRecipients(parlor: Parlor, send: (push: Push) => void | Promise<void>): () => void {
  return parlor.events.on('message', async ({ message, offline }) => {
    const inGroup = 'group_id' in message;
    for (const to of offline) {
      await send({
        to,
        title: inGroup ? `New message in group ${message.group_id}` : `New message from user ${message.from}`,
        // Never the whole message: a lock screen is public.
        body: message.content.length > 80 ? `${message.content.slice(0, 77)}...` : message.content,
        data: { message_id: message.id, from: message.from, ...(inGroup ? { group_id: message.group_id } : {}) },
      });
    }
  });
}

/**
 * "Only users who share a group may start a conversation": a private message
 * is allowed when the two share a group, or when they have a conversation
 * already (`talkedBefore`, e.g. from GET /api/conversations or your own table).
 */
export function shareAGroupPolicy(
  groups: Required<Pick<GroupMemberFetcher, 'contactsOf'>>,
  talkedBefore: (a: number, b: number) => boolean | Promise<boolean>,
): MessagePolicy {
  return {
    async check({ from, to }) {
      if (to === undefined || to === from) return { allow: true };
      if ((await groups.contactsOf(from)).includes(to) || (await talkedBefore(from, to))) return { allow: true };
      return { allow: false, reason: 'you can message people you share a group with' };
    },
  };
}
