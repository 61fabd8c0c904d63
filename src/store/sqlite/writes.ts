/**
 * Every write Parlor makes to its SQLite file, as named operations on plain
 * (structured-clonable) arguments, written per domain beside that domain's
 * reads (user-writes.ts next to user-store.ts, ...). The stores never write
 * themselves: they call `writer.run('savePrivate', from, to, content, clientId, now)`, and a
 * SqliteWriter runs the operation in its group-commit transaction, either on
 * the main thread (InlineWriter, for `:memory:`) or in the write worker
 * (WorkerWriter). The same functions run in both places, prepared on
 * whichever connection writes.
 *
 * Rules for an operation: synchronous better-sqlite3 work only, re-runnable
 * (a failed batch is rolled back and run again, see batch-transaction.ts),
 * the clock passed in as `now` (the worker must not read its own clock: tests
 * inject one), plain arguments (numbers and strings rather than an input
 * object: they travel flat, write-worker-protocol.ts), and a result that
 * survives structured cloning and carries only what the caller does not
 * already know (savePrivate: the id and timestamp, message-writes.ts).
 *
 * Operations are addressed by name (a function cannot cross the thread
 * boundary; on the wire a name is its index in WRITE_OPS), typed end to end:
 * `WriteCall` pairs each name with its own arguments, and `runWrite` answers
 * with that operation's result.
 */
import type { Database } from 'better-sqlite3';
import { prepareConsentWrites } from './consent-writes.js';
import { prepareGroupWrites } from './group-writes.js';
import { prepareMessageWrites } from './message-writes.js';
import { prepareNotificationWrites } from './notification-writes.js';
import { prepareReceiptWrites } from './receipt-writes.js';
import { prepareSessionWrites } from './session-writes.js';
import { prepareTokenVersionWrites } from './token-version-writes.js';
import { prepareUserWrites } from './user-writes.js';

/** Every operation, prepared on `db`. */
export function prepareWrites(db: Database) {
  return {
    ...prepareUserWrites(db),
    ...prepareTokenVersionWrites(db),
    ...prepareGroupWrites(db),
    ...prepareMessageWrites(db),
    ...prepareReceiptWrites(db),
    ...prepareNotificationWrites(db),
    ...prepareSessionWrites(db),
    ...prepareConsentWrites(db),
  };
}

/** Every operation, by name. */
export type SqliteWrites = ReturnType<typeof prepareWrites>;
export type WriteOp = keyof SqliteWrites;
export type WriteArgs<K extends WriteOp> = Parameters<SqliteWrites[K]>;
export type WriteResult<K extends WriteOp> = ReturnType<SqliteWrites[K]>;

/**
 * One operation with its arguments: what a writer queues and what the worker
 * protocol carries. Made as `WriteCall<K>` by `SqliteWriter.run`, where the
 * arguments are checked against that operation's.
 */
export type WriteCall<K extends WriteOp = WriteOp> = [op: K, args: WriteArgs<K>];

/**
 * Every operation, once, in a fixed order: the worker protocol sends an
 * operation as its index here. Both threads load this same list; leaving an
 * operation out is a compile error below.
 */
export const WRITE_OPS = [
  'createUser',
  'deleteUser',
  'bumpTokenVersion',
  'createGroup',
  'invite',
  'changeMembership',
  'savePrivate',
  'saveGroup',
  'markDelivered',
  'markRead',
  'markGroupRead',
  'saveNotification',
  'markNotificationsRead',
  'setSession',
  'destroySession',
  'touchSession',
  'clearSessions',
  'pruneSessions',
  'block',
  'unblock',
  'recordWrite',
  'updatePasswordHash',
  'destroyUserSessions',
] as const satisfies readonly WriteOp[];
type Unlisted = Exclude<WriteOp, (typeof WRITE_OPS)[number]>;
const everyOperationListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyOperationListed;

/** The operations as a table of functions from their arguments to their result: what `runWrite` dispatches on. */
type WriteTable = { [K in WriteOp]: (...args: WriteArgs<K>) => WriteResult<K> };

/** Two domains naming one operation alike would shadow one in the spread above: a compile error instead. */
type Domains = [
  ReturnType<typeof prepareUserWrites>,
  ReturnType<typeof prepareTokenVersionWrites>,
  ReturnType<typeof prepareGroupWrites>,
  ReturnType<typeof prepareMessageWrites>,
  ReturnType<typeof prepareReceiptWrites>,
  ReturnType<typeof prepareNotificationWrites>,
  ReturnType<typeof prepareSessionWrites>,
  ReturnType<typeof prepareConsentWrites>,
];
type KeysOfAny<U> = U extends object ? keyof U : never;
type Shadowed<T extends readonly object[]> = T extends readonly [infer F, ...infer R extends readonly object[]]
  ? (keyof F & KeysOfAny<R[number]>) | Shadowed<R>
  : never;
const noOperationInTwoDomains: [Shadowed<Domains>] extends [never] ? true : Shadowed<Domains> = true;
void noOperationInTwoDomains;

/** Runs one operation; the result is that operation's. */
export function runWrite<K extends WriteOp>(writes: SqliteWrites, op: K, args: WriteArgs<K>): WriteResult<K> {
  const table: WriteTable = writes;
  return table[op](...args);
}
