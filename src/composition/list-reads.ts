import type { ParlorOptions } from '../app.js';
import type { ConversationStore, NotificationStore } from '../store/types.js';
import { hostMessagePersister } from './host-interfaces.js';

/**
 * Where the list routes (`GET /api/conversations`, the notification routes)
 * read: the bundled stores, which stored the messages and notifications,
 * unless a host's MessagePersister stored them; then its optional reads, and
 * without those the routes fall through to the host (Parlor's tables hold
 * none of its messages: an empty list would be a wrong answer, not an empty
 * one). The route modules see one interface either way. A host's ids are
 * read as numbers by the same prepared persister the Manager has
 * (host-interfaces.ts).
 */
export interface ListReads {
  conversations?: ConversationStore;
  notifications?: NotificationStore;
}

export function listReads(options: ParlorOptions): ListReads {
  if (!options.messagePersister) return { conversations: options.stores.conversations, notifications: options.stores.notifications };
  const persister = hostMessagePersister(options.messagePersister);
  const { conversationsOf, notificationsOf, unreadNotificationCount, markNotificationsRead } = persister;
  return {
    conversations: conversationsOf && { conversations: conversationsOf.bind(persister) },
    // All three or none: checked by createParlor (parlor-options.ts).
    notifications:
      notificationsOf && unreadNotificationCount && markNotificationsRead
        ? {
            list: notificationsOf.bind(persister),
            unreadCount: unreadNotificationCount.bind(persister),
            markRead: markNotificationsRead.bind(persister),
          }
        : undefined,
  };
}
