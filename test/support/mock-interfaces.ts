/**
 * Test doubles for the Manager's three injected interfaces. Every interface
 * method is a `vi.fn` wrapping a small in-memory implementation, so a test
 * can both rely on realistic behaviour and override one call
 * (`mockRejectedValueOnce`, `mockImplementationOnce`). Re-exported by `mocks.ts`.
 */
import { vi } from 'vitest';
import { ParlorError } from '../../src/errors.js';
import type { Page, PageQuery } from '../../src/types.js';
import type { GroupMemberFetcher } from '../../src/websocket/group-member-fetcher.js';
import type {
  MessagePersister,
  ReadResult,
  SaveGroupInput,
  SavePrivateInput,
  Saved,
} from '../../src/websocket/message-persister.js';
import {
  isGroupMessage,
  type GroupMessage,
  type Message,
  type Notification,
  type PrivateMessage,
} from '../../src/websocket/protocol.js';
import type { Identity, SessionResolver } from '../../src/websocket/session-resolver.js';
import type { Profile, UserDirectory } from '../../src/websocket/user-directory.js';

export function mockSessionResolver(identity: Identity | null = null) {
  return { resolve: vi.fn<SessionResolver['resolve']>(() => identity) };
}

/**
 * A host's users: `existing` answers from `users` (add or delete ids in it
 * during a test), `profiles` names each `user<id>`.
 */
export function mockUserDirectory(ids: readonly number[] = []) {
  const users = new Set(ids);
  return {
    users,
    existing: vi.fn((asked: readonly number[]): number[] => asked.filter((id) => users.has(id))),
    profiles: vi.fn((asked: readonly number[]): Profile[] => asked.filter((id) => users.has(id)).map((id) => ({ id, username: `user${id}` }))),
  } satisfies Required<UserDirectory> & { users: Set<number> };
}
export type MockUserDirectory = ReturnType<typeof mockUserDirectory>;

export interface GroupSpec {
  accepted: number[];
  invited?: number[];
}

/**
 * Groups by id (named `group <id>`, members `user<id>`). `contactsOf` answers
 * from `contacts` when the user is listed there, else derives contacts from
 * shared accepted groups.
 */
export function mockGroupMemberFetcher(groups: Record<number, GroupSpec> = {}, contacts: Record<number, number[]> = {}) {
  const table = new Map<number, GroupSpec>(Object.entries(groups).map(([id, g]) => [Number(id), g]));
  const fetcher = {
    groups: table,
    acceptedMembers: vi.fn((groupId: number): readonly number[] | null => {
      const g = table.get(groupId);
      return g ? [...g.accepted] : null;
    }),
    contactsOf: vi.fn((userId: number): readonly number[] => {
      const listed = contacts[userId];
      if (listed) return [...listed];
      const out = new Set<number>();
      for (const g of table.values()) {
        if (g.accepted.includes(userId)) for (const u of g.accepted) if (u !== userId) out.add(u);
      }
      return [...out];
    }),
    groupsOf: vi.fn((userId: number) =>
      [...table]
        .filter(([, g]) => g.accepted.includes(userId) || g.invited?.includes(userId))
        .map(([id, g]) => ({ id, name: `group ${id}`, status: g.accepted.includes(userId) ? ('accepted' as const) : ('invited' as const) })),
    ),
    members: vi.fn((groupId: number) => {
      const g = table.get(groupId);
      if (!g) return [];
      const as = (status: 'accepted' | 'invited') => (id: number) => ({ id, username: `user${id}`, status });
      return [...g.accepted.map(as('accepted')), ...(g.invited ?? []).map(as('invited'))];
    }),
  } satisfies Required<GroupMemberFetcher> & { groups: Map<number, GroupSpec> };
  return fetcher;
}
export type MockGroupMemberFetcher = ReturnType<typeof mockGroupMemberFetcher>;

export interface MockPersisterOptions {
  /** Used by `messagesSince` to decide which group messages a user may see. */
  groups?: MockGroupMemberFetcher;
  /** When given, `savePrivate` to a user not in this list throws ParlorError('not_found'). */
  knownUsers?: number[];
  now?: () => number;
}

/**
 * An in-memory MessagePersister with every optional method. Ids increase
 * across messages; (from, client_id) is idempotent; delivery and read state
 * are remembered so `markDelivered` answers true once.
 */
/** A host persister's optional reads for the list routes. */
type ListReads = 'conversationsOf' | 'notificationsOf' | 'unreadNotificationCount' | 'markNotificationsRead';

export function mockPersister(options: MockPersisterOptions = {}) {
  const now = options.now ?? Date.now;
  const messages: Message[] = [];
  const notifications: Notification[] = [];
  const byClientId = new Map<string, Message>();
  const delivered = new Set<string>();
  const readMarkers = new Map<string, number>();
  let nextId = 1;
  let nextNotificationId = 1;

  const idempotent = <M extends Message>(from: number, clientId: string | undefined, create: () => M): Saved<M> => {
    const key = clientId === undefined ? undefined : `${from}:${clientId}`;
    const earlier = key === undefined ? undefined : byClientId.get(key);
    if (earlier) return { message: earlier as M, duplicate: true };
    const message = create();
    messages.push(message);
    if (key !== undefined) byClientId.set(key, message);
    return { message, duplicate: false };
  };

  const page = <M extends Message>(rows: M[], q: PageQuery): Page<M> => {
    const newestFirst = rows.filter((m) => q.before === undefined || m.id < q.before).sort((a, b) => b.id - a.id);
    const offset = q.offset ?? 0;
    return { items: newestFirst.slice(offset, offset + q.limit), hasMore: newestFirst.length > offset + q.limit };
  };

  const canSee = (userId: number, m: Message): boolean => {
    if (!isGroupMessage(m)) return m.from === userId || m.to === userId;
    return options.groups?.groups.get(m.group_id)?.accepted.includes(userId) ?? false;
  };

  const persister = {
    messages,
    notifications,
    savePrivate: vi.fn(async (input: SavePrivateInput): Promise<Saved<PrivateMessage>> => {
      if (options.knownUsers && !options.knownUsers.includes(input.to)) {
        throw new ParlorError('not_found', `user ${input.to} does not exist`);
      }
      return idempotent(input.from, input.clientId, () => ({
        id: nextId++,
        from: input.from,
        to: input.to,
        content: input.content,
        timestamp: now(),
      }));
    }),
    saveGroup: vi.fn(async (input: SaveGroupInput): Promise<Saved<GroupMessage>> =>
      idempotent(input.from, input.clientId, () => ({
        id: nextId++,
        from: input.from,
        group_id: input.groupId,
        content: input.content,
        timestamp: now(),
      })),
    ),
    saveNotification: vi.fn(
      async (userId: number, subtype: string, message: string, data: Record<string, unknown> = {}): Promise<Notification> => {
        const n: Notification = { ...data, id: nextNotificationId++, subtype, message, timestamp: now() };
        notifications.push({ ...n, user_id: userId });
        return n;
      },
    ),
    privateHistory: vi.fn(async (userId: number, otherId: number, q: PageQuery): Promise<Page<PrivateMessage>> => {
      const rows = messages.filter(
        (m): m is PrivateMessage =>
          !isGroupMessage(m) && ((m.from === userId && m.to === otherId) || (m.from === otherId && m.to === userId)),
      );
      return page(rows, q);
    }),
    groupHistory: vi.fn(async (groupId: number, q: PageQuery): Promise<Page<GroupMessage>> =>
      page(messages.filter((m): m is GroupMessage => isGroupMessage(m) && m.group_id === groupId), q),
    ),
    messagesSince: vi.fn(async (userId: number, sinceId: number, limit: number): Promise<Message[]> =>
      messages
        .filter((m) => m.id > sinceId && canSee(userId, m))
        .sort((a, b) => a.id - b.id)
        .slice(0, limit),
    ),
    messageByClientId: vi.fn(async (senderId: number, clientId: string): Promise<Message | null> => byClientId.get(`${senderId}:${clientId}`) ?? null),
    markDelivered: vi.fn(async (messageId: number, recipientId: number): Promise<boolean> => {
      const key = `${messageId}:${recipientId}`;
      if (delivered.has(key)) return false;
      delivered.add(key);
      return true;
    }),
    markRead: vi.fn(async (userId: number, messageId: number): Promise<ReadResult | null> => {
      const m = messages.find((x) => x.id === messageId);
      if (!m || isGroupMessage(m) || m.to !== userId) return null;
      readMarkers.set(`u${userId}:from${m.from}`, Math.max(readMarkers.get(`u${userId}:from${m.from}`) ?? 0, m.id));
      return { senderId: m.from, messageId: m.id };
    }),
    markGroupRead: vi.fn(async (userId: number, groupId: number, messageId: number): Promise<boolean> => {
      const m = messages.find((x) => x.id === messageId);
      if (!m || !isGroupMessage(m) || m.group_id !== groupId) return false;
      readMarkers.set(`u${userId}:g${groupId}`, Math.max(readMarkers.get(`u${userId}:g${groupId}`) ?? 0, m.id));
      return true;
    }),
    // The list reads (conversationsOf, notificationsOf, ...) are left out: without them Parlor's list routes fall through.
  } satisfies Required<Omit<MessagePersister, ListReads>> & { messages: Message[]; notifications: Notification[] };
  return persister;
}
export type MockPersister = ReturnType<typeof mockPersister>;
