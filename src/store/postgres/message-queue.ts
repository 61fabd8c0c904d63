/**
 * Message inserts with group commit: the messages enqueued while a batch is
 * on its way (or in the same tick) leave together as ONE statement
 * (`parlor_insert_messages`, src/store/postgres/message-insert.ts): one round
 * trip, one transaction, one WAL flush; every promise of the batch settles
 * after that statement returned. A message that fails on its own data
 * (a NUL character, a client_id used for the other kind) fails alone; when the
 * statement fails (connection lost, timeout), every message of the batch
 * rejects and none is stored.
 *
 * No lock is shared between instances or batches: each batch holds one of
 * the schema's 64 write slots until it commits, and `sync` reads only below
 * the horizon those slots give (docs/scaling.md, "Ids and sync without a
 * global lock"), so a cursor never skips a message that commits late.
 */
import type { PgDatabase } from './database.js';
import { insertMessages, type NewMessage, type StoredMessage } from './message-insert.js';
import { StatementQueue, type StatementQueueOptions } from './statement-queue.js';
import type { BatchStats } from '../batch.js';

export type MessageQueueOptions = StatementQueueOptions;

export type MessageQueueStats = BatchStats;

/**
 * A write barrier: holds every write slot of the schema until its
 * transaction ends, so no message insert can start meanwhile (inserts
 * already running finish first). Nothing in Parlor takes it; it is for an
 * operator who needs message writes paused, and for tests.
 */
export const MESSAGE_LOCK_SQL = `SELECT count(pg_advisory_xact_lock(parlor_message_slot_space(), slot)) FROM generate_series(0, 63) slot`;

export class MessageQueue extends StatementQueue<NewMessage, StoredMessage> {
  constructor(db: PgDatabase, options: MessageQueueOptions = {}) {
    super((inputs) => insertMessages(db, inputs), options);
  }
}
