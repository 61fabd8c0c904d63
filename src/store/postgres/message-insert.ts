/**
 * A batch of messages stored with ONE statement: `parlor_insert_messages`
 * (db/postgres/002_message_write_slots.sql) claims a write slot, draws the
 * ids in item order and inserts every row, idempotently per (sender,
 * client_id). Sent on its own it is one round trip and one transaction;
 * inside a caller's transaction (insertMessage) it joins that transaction.
 *
 * Per item: the stored row (new, or the one stored earlier under the same
 * client_id: `duplicate`), or the error that item alone failed with, while
 * the others are stored. As on SQLite, the batch first goes without per-item
 * isolation; only when it failed on one item's data is it sent again with
 * each item in its own subtransaction (the first attempt left nothing behind:
 * the statement failed as a whole). That retry: src/store/isolated-retry.ts.
 */
import pg from 'pg';
import type { Outcome } from '../batch.js';
import { clientIdConflict } from '../domain/idempotency.js';
import { withIsolatedRetry } from '../isolated-retry.js';
import type { MessageRow } from '../rows.js';
import { failsAlone, nulCharacterError } from './sql-errors.js';

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

/** The one statement of a batch; `$6` isolates the items (the retry after one failed on its own data). */
export const INSERT_MESSAGES = `SELECT * FROM parlor_insert_messages($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::boolean)`;

/**
 * One row per item: `id` and `created_at` of a row stored now; every column
 * of the row stored earlier (`duplicate`); or why the item failed.
 */
interface ItemRow extends Omit<MessageRow, 'id' | 'created_at'> {
  id: number | null;
  created_at: number | null;
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
    const send = async (isolate: boolean): Promise<Outcome<StoredMessage>[]> => {
      const { rows } = await db.query<ItemRow>(INSERT_MESSAGES, [
        sent.map(({ input }) => input.from),
        sent.map(({ input }) => input.to),
        sent.map(({ input }) => input.group),
        sent.map(({ input }) => input.content),
        sent.map(({ input }) => input.clientId ?? null),
        isolate,
      ]);
      const answers: Outcome<StoredMessage>[] = [];
      for (const row of rows) answers[row.item - 1] = outcomeOf(sent[row.item - 1]!.input, row);
      return answers;
    };
    const answers = await withIsolatedRetry(sent.length, send, (err) => (failsAlone(err) ? { error: err } : null));
    sent.forEach(({ i }, k) => (outcomes[i] = answers[k]));
  }
  return outcomes.map((outcome, i) => outcome ?? { ok: false, error: new Error(`message ${i} of the batch got no answer`) });
}

/**
 * One message inside the caller's transaction: the new row, or the one stored
 * earlier under (sender, client_id). A failure aborts that transaction, as
 * any failed statement does.
 */
export async function insertMessage(client: Queryable, input: NewMessage): Promise<StoredMessage> {
  const [outcome] = await insertMessages(client, [input]);
  if (!outcome!.ok) throw outcome!.error;
  return outcome!.value;
}

function hasNul(input: NewMessage): boolean {
  return input.content.includes('\u0000') || (input.clientId?.includes('\u0000') ?? false);
}

function outcomeOf(input: NewMessage, row: ItemRow): Outcome<StoredMessage> {
  if (row.failed_code !== null) return { ok: false, error: failureOf(row) };
  if (row.id === null || row.created_at === null) {
    return { ok: false, error: new Error(`message (${input.from}, ${input.clientId}) conflicted but cannot be read`) };
  }
  if (!row.duplicate) {
    const stored: MessageRow = { id: row.id, sender_id: input.from, recipient_id: input.to, group_id: input.group, content: input.content, created_at: row.created_at, delivered_at: null, read_at: null };
    return { ok: true, value: { row: stored, duplicate: false } };
  }
  const conflict = clientIdConflict(row, input, input.clientId);
  if (conflict) return { ok: false, error: conflict };
  const { id, sender_id, recipient_id, group_id, content, created_at, delivered_at, read_at } = row;
  return { ok: true, value: { row: { id, sender_id, recipient_id, group_id, content, created_at, delivered_at, read_at }, duplicate: true } };
}

/** What an item failed with in the isolated pass, as the server error it was. */
function failureOf(row: ItemRow): pg.DatabaseError {
  const error = new pg.DatabaseError(row.failed_message ?? 'message insert failed', 0, 'error');
  error.code = row.failed_code ?? undefined;
  error.constraint = row.failed_constraint ?? undefined;
  return error;
}

