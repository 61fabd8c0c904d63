/**
 * A host's MessagePersister built on `pg` over bigserial / bigint id columns
 * answers every id as a string ('802'). Parlor reads them as numbers, as it
 * does every id a host hands it (src/composition/host-message-ids.ts): acks,
 * `private` frames, receipts and history carry JSON integers (contract
 * section 2), so a client echoing the ack's id in a `read` frame is answered.
 *
 * It used to pass the persister's answers on as they were: the ack's id was
 * `"1"`, and the `read` frame echoing it got `bad_request`.
 */
import { expect, it } from 'vitest';
import type { PageQuery } from '../../src/types.js';
import type { MessagePersister, ReadResult } from '../../src/websocket/message-persister.js';
import { hostGroups } from '../support/host-groups.js';
import { useSqliteHostApp } from '../support/host-app.js';

const ALICE = 901;
const BOB = 902;
const TEAM = 9001;

/** One row of the host's messages table as `pg` returns it: every id (bigint) a string. */
interface Row {
  id: string;
  from: string;
  to?: string;
  group_id?: string;
  content: string;
  timestamp: number;
  delivered: boolean;
  read: boolean;
}

/** The host's persister: an in-memory table answering rows the way `pg` does. */
function pgLikePersister(): MessagePersister {
  const rows: Row[] = [];
  let next = 0;
  const insert = (row: Omit<Row, 'id' | 'timestamp' | 'delivered' | 'read'>) => {
    const stored = { ...row, id: String(++next), timestamp: Date.now(), delivered: false, read: false };
    rows.push(stored);
    return stored;
  };
  const out = ({ delivered, read, ...row }: Row) => row;
  const page = (items: Row[], q: PageQuery) => {
    const older = items.filter((r) => q.before === undefined || Number(r.id) < q.before).reverse();
    return { items: older.slice(0, q.limit), hasMore: older.length > q.limit };
  };
  const persister = {
    savePrivate: (m: { from: number; to: number; content: string }) => ({ message: out(insert({ from: String(m.from), to: String(m.to), content: m.content })), duplicate: false }),
    saveGroup: (m: { from: number; groupId: number; content: string }) => ({ message: out(insert({ from: String(m.from), group_id: String(m.groupId), content: m.content })), duplicate: false }),
    saveNotification: (_userId: number, subtype: string, message: string, data?: Record<string, unknown>) => ({ ...data, id: String(++next), subtype, message, timestamp: Date.now() }),
    privateHistory: (userId: number, otherId: number, q: PageQuery) =>
      page(rows.filter((r) => [`${r.from}:${r.to}`, `${r.to}:${r.from}`].includes(`${userId}:${otherId}`)), q),
    groupHistory: (groupId: number, q: PageQuery) => page(rows.filter((r) => r.group_id === String(groupId)), q),
    markDelivered: (messageId: number, recipientId: number) => {
      const row = rows.find((r) => r.id === String(messageId) && r.to === String(recipientId) && !r.delivered);
      if (row) row.delivered = true;
      return row !== undefined;
    },
    markRead: (userId: number, messageId: number): ReadResult | null => {
      const row = rows.find((r) => r.id === String(messageId) && r.to === String(userId));
      if (!row) return null;
      const delivered = row.delivered ? [] : [row.id];
      row.delivered = row.read = true;
      return { senderId: row.from, messageId: row.id, delivered } as unknown as ReadResult;
    },
  };
  return persister as unknown as MessagePersister;
}

const app = useSqliteHostApp({
  userDirectory: { existing: (ids) => ids.filter((id) => id === ALICE || id === BOB) },
  // Group-mates are contacts: receipts flow without a reply first (contract section 6).
  groupMemberFetcher: hostGroups(new Map([[TEAM, { name: 'team', members: [ALICE, BOB] }]])),
  messagePersister: pgLikePersister(),
});

it('a private send gets an ack and a delivery with numeric ids; a read echoing the ack id is answered with a receipt', async () => {
  const [a, b] = await Promise.all([app.host.connect(ALICE), app.host.connect(BOB)]);
  a.send({ type: 'private', to: BOB, content: 'hi bob', client_id: 'pg-1' });
  const ack = await a.next('ack');
  expect(ack.id).toEqual(expect.any(Number));
  expect(await b.next('private', (f) => f.content === 'hi bob')).toMatchObject({ id: ack.id, from: ALICE, to: BOB });
  expect(await a.next('receipt', (f) => f.status === 'delivered')).toMatchObject({ message_id: ack.id, user_id: BOB });

  b.send({ type: 'read', message_id: ack.id });
  expect(await a.next('receipt', (f) => f.status === 'read')).toMatchObject({ message_id: ack.id, user_id: BOB });
  expect(b.all('error')).toEqual([]);
});

it('history over HTTP carries numeric ids', async () => {
  const sent = (await app.host.http.post('/api/messages/private').set(app.host.as(BOB)).send({ to: ALICE, content: 'hi alice' }).expect(201)).body;
  expect(sent).toMatchObject({ id: expect.any(Number), from: BOB, to: ALICE });
  const history = (await app.host.http.get(`/api/messages/private?user=${BOB}`).set(app.host.as(ALICE)).expect(200)).body.messages;
  expect(history.map((m: Record<string, unknown>) => [typeof m.id, m.from, m.to])).toEqual([
    ['number', BOB, ALICE],
    ['number', ALICE, BOB],
  ]);

  await app.host.http.post('/api/messages/group').set(app.host.as(ALICE)).send({ group_id: TEAM, content: 'team hi' }).expect(201);
  const group = (await app.host.http.get(`/api/messages/group?group=${TEAM}`).set(app.host.as(BOB)).expect(200)).body.messages;
  expect(group).toEqual([expect.objectContaining({ id: expect.any(Number), from: ALICE, group_id: TEAM, content: 'team hi' })]);
});
