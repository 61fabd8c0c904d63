import { boundMethods } from '../bound-methods.js';
import type { Conversation, StoredNotification } from '../store/types.js';
import type { Page } from '../types.js';
import { asUserId } from '../user-id.js';
import type { MessagePersister, ReadResult, Saved } from '../websocket/message-persister.js';
import type { GroupMessage, Message, Notification, PrivateMessage } from '../websocket/protocol.js';
import { mapAwaitable } from './host-group-ids.js';

/**
 * A host's MessagePersister with every id it answers as a number. Its rows
 * often come straight from a database driver, and `pg` gives bigint and
 * bigserial columns as strings: acks, frames and history would carry `'802'`,
 * though ids are JSON integers everywhere (contract section 2), and a client
 * echoing one in a `read` frame would get `bad_request`. Digits are read as
 * the id (src/user-id.ts); any other id is a TypeError naming the method.
 * Answers whose ids are already numbers pass through untouched (the same
 * object: one check, no copy), so a well-typed persister pays next to
 * nothing. Only the methods the host has are wrapped: the Manager and the
 * list routes test the optional ones for existence (a feature is off
 * without them). Parlor's own stores never get this (hot path, numeric ids).
 */
export function withNumericMessageIds(persister: MessagePersister): MessagePersister {
  // Every method, bound (a class with #private fields works through it), present only when the host's is.
  const p = boundMethods(persister) as unknown as Required<MessagePersister>;
  const numeric = { ...p } as MessagePersister;
  numeric.savePrivate = (input) => mapAwaitable(p.savePrivate(input), (s) => saved(s, 'messagePersister.savePrivate'));
  numeric.saveGroup = (input) => mapAwaitable(p.saveGroup(input), (s) => saved(s, 'messagePersister.saveGroup'));
  numeric.saveNotification = (...args) => mapAwaitable(p.saveNotification(...args), (n) => withId(n, 'messagePersister.saveNotification'));
  numeric.privateHistory = (...args) => mapAwaitable(p.privateHistory(...args), (page) => messagePage(page, 'messagePersister.privateHistory'));
  numeric.groupHistory = (...args) => mapAwaitable(p.groupHistory(...args), (page) => messagePage(page, 'messagePersister.groupHistory'));
  if (persister.messagesSince) {
    numeric.messagesSince = (...args) => mapAwaitable(p.messagesSince(...args), (ms) => each(ms, (m) => message(m, 'messagePersister.messagesSince')));
  }
  if (persister.messageByClientId) {
    numeric.messageByClientId = (...args) => mapAwaitable(p.messageByClientId(...args), (m) => m && message(m, 'messagePersister.messageByClientId'));
  }
  if (persister.markRead) {
    numeric.markRead = (...args) => mapAwaitable(p.markRead(...args), (r) => r && readResult(r, 'messagePersister.markRead'));
  }
  if (persister.conversationsOf) {
    numeric.conversationsOf = (...args) => mapAwaitable(p.conversationsOf(...args), (cs) => each(cs, (c) => conversation(c, 'messagePersister.conversationsOf')));
  }
  if (persister.notificationsOf) {
    const call = 'messagePersister.notificationsOf';
    numeric.notificationsOf = (...args) => mapAwaitable(p.notificationsOf(...args), (page) => pageOf(page, (n: StoredNotification) => withId(n, call)));
  }
  return numeric;
}

/** The id as a number: digits read as it (src/user-id.ts, one reading), anything else a TypeError naming the call. */
function id(value: unknown, call: string, field: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value;
  const n = asUserId(value);
  if (n === null) throw new TypeError(`${call}: ${field} is a positive integer (or one in digits), not ${JSON.stringify(value) ?? String(value)}`);
  return n;
}

function message<M extends Message>(m: M, call: string): M {
  const group = 'group_id' in m;
  const other = group ? (m as GroupMessage).group_id : (m as PrivateMessage).to;
  if (typeof m.id === 'number' && typeof m.from === 'number' && typeof other === 'number') return m;
  return group
    ? { ...m, id: id(m.id, call, 'id'), from: id(m.from, call, 'from'), group_id: id(other, call, 'group_id') }
    : { ...m, id: id(m.id, call, 'id'), from: id(m.from, call, 'from'), to: id(other, call, 'to') };
}

function saved<M extends Message>(s: Saved<M>, call: string): Saved<M> {
  const m = message(s.message, call);
  return m === s.message ? s : { ...s, message: m };
}

function withId<N extends Notification>(n: N, call: string): N {
  return typeof n.id === 'number' ? n : { ...n, id: id(n.id, call, 'id') };
}

function readResult(r: ReadResult, call: string): ReadResult {
  const delivered = r.delivered && each(r.delivered, (d) => id(d, call, 'delivered'));
  if (typeof r.senderId === 'number' && typeof r.messageId === 'number' && delivered === r.delivered) return r;
  return { ...r, senderId: id(r.senderId, call, 'senderId'), messageId: id(r.messageId, call, 'messageId'), ...(delivered && { delivered }) };
}

function conversation(c: Conversation, call: string): Conversation {
  const last = c.last_message && message(c.last_message, call);
  if (c.kind === 'private') {
    return typeof c.user_id === 'number' && last === c.last_message ? c : { ...c, user_id: id(c.user_id, call, 'user_id'), last_message: last };
  }
  return typeof c.group_id === 'number' && last === c.last_message ? c : { ...c, group_id: id(c.group_id, call, 'group_id'), last_message: last };
}

function messagePage<M extends Message>(page: Page<M>, call: string): Page<M> {
  return pageOf(page, (m: M) => message(m, call));
}

function pageOf<T>(page: Page<T>, map: (item: T) => T): Page<T> {
  const items = each(page.items, map);
  return items === page.items ? page : { ...page, items };
}

/** The same array when `map` kept every item (the cheap path), else a new one. */
function each<T>(items: T[], map: (item: T) => T): T[] {
  let out: T[] | undefined;
  for (let i = 0; i < items.length; i++) {
    const item = map(items[i]!);
    if (item !== items[i] && !out) out = items.slice(0, i);
    out?.push(item);
  }
  return out ?? items;
}
