/**
 * A batch of messages stored with ONE statement: `parlor_insert_messages`
 * (db/postgres/002_message_write_slots.sql) claims a write slot, draws the
 * ids in item order and inserts every row, idempotently per (sender,
 * client_id). Sent on its own it is one round trip and one transaction;
 * inside a caller's transaction (insertMessage) it joins that transaction.
 *
 * Per item: the stored row (new, or the one stored earlier under the same
 * client_id: `duplicate`), or the error that item alone failed with, while
 * the others are stored.
 */
import pg from 'pg';
import { ParlorError } from '../../errors.js';
import type { Outcome } from '../batch.js';
import type { MessageRow } from '../rows.js';
import { nulCharacterError } from './sql-errors.js';

export interface NewMessage {
  from: number;
  /** The recipient of a private message, else null. */
  to: number | null;
  /** The group of a group message, else null. */
  group: number | null;
  content: string;
  clientId?: string;
}

export interface StoredMessage {
  row: MessageRow;
  /** The row was stored earlier under the same (sender, client_id). */
  duplicate: boolean;
}

/** pg.Pool, pg.PoolClient and PgDatabase all fit. */
export interface Queryable {
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/** The statement, exported for the query plan test. */
export const INSERT_MESSAGES = `SELECT * FROM parlor_insert_messages($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[])`;

/** One row per item: its message columns (null when it failed), and why it failed. */
interface ItemRow extends Omit<MessageRow, 'id'> {
  id: number | null;
  item: number;
  duplicate: boolean;
  failed_code: string | null;
  failed_constraint: string | null;
  failed_message: string | null;
}

/** One outcome per input, in input order. Throws (nothing stored) when the statement fails as a whole. */
export async function insertMessages(db: Queryable, inputs: readonly NewMessage[]): Promise<Outcome<StoredMessage>[]> {
  const outcomes: Array<Outcome<StoredMessage> | undefined> = inputs.map((input) =>
    // PostgreSQL text cannot hold U+0000, and one such element would fail the whole array parameter.
    hasNul(input) ? { ok: false, error: nulCharacterError() } : undefined,
  );
  const sent = inputs.flatMap((input, i) => (outcomes[i] ? [] : [{ input, i }]));
  if (sent.length > 0) {
    const { rows } = await db.query<ItemRow>(INSERT_MESSAGES, [
      sent.map(({ input }) => input.from),
      sent.map(({ input }) => input.to),
      sent.map(({ input }) => input.group),
      sent.map(({ input }) => input.content),
      sent.map(({ input }) => input.clientId ?? null),
    ]);
    for (const row of rows) {
      const { input, i } = sent[row.item - 1]!;
      outcomes[i] = outcomeOf(input, row);
    }
  }
  return outcomes.map((outcome, i) => outcome ?? { ok: false, error: new Error(`message ${i} of the batch got no answer`) });
}

/** One message inside the caller's transaction: the new row, or the one stored earlier under (sender, client_id). */
export async function insertMessage(client: Queryable, input: NewMessage): Promise<StoredMessage> {
  const [outcome] = await insertMessages(client, [input]);
  if (!outcome!.ok) throw outcome!.error;
  return outcome!.value;
}

function hasNul(input: NewMessage): boolean {
  return input.content.includes('\u0000') || (input.clientId?.includes('\u0000') ?? false);
}

function outcomeOf(input: NewMessage, row: ItemRow): Outcome<StoredMessage> {
  const { item: _item, duplicate, failed_code, failed_constraint: _constraint, failed_message: _message, ...stored } = row;
  if (failed_code !== null) return { ok: false, error: itemError(input, row) };
  if (stored.id === null) return { ok: false, error: new Error(`message (${input.from}, ${input.clientId}) conflicted but cannot be read`) };
  // The same client_id cannot name a private and a group message at once.
  if (duplicate && (stored.group_id === null) !== (input.group === null)) {
    const other = input.group === null ? 'group' : 'private';
    return { ok: false, error: new ParlorError('bad_request', `client_id ${input.clientId} was already used for a ${other} message`) };
  }
  return { ok: true, value: { row: { ...stored, id: stored.id }, duplicate } };
}

/** The error of an item that failed alone: unknown recipient or group as `not_found`, else the server's error. */
function itemError(input: NewMessage, row: ItemRow): Error {
  if (row.failed_constraint === 'messages_recipient_fkey') return new ParlorError('not_found', `user ${input.to} does not exist`);
  if (row.failed_constraint === 'messages_group_fkey') return new ParlorError('not_found', `group ${input.group} does not exist`);
  const error = new pg.DatabaseError(row.failed_message ?? 'message insert failed', 0, 'error');
  error.code = row.failed_code ?? undefined;
  error.constraint = row.failed_constraint ?? undefined;
  return error;
}
