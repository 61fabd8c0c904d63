/**
 * docs/protocol.md, Receipts: receipts are statuses to set, so their order matters.
 *
 * - The reader's other connections never get a `read` receipt that moves their marker back, also when two devices'
 *   reads of one conversation overlap: each is published right after its commit, before the question whether the
 *   sender may hear of it (consent.maySignal, a store read) is answered.
 * - A replayed message (sync) that is read at once: its sender never gets `delivered` after `read`; the question
 *   whether the sender may hear of the delivery is asked before the mark commits, so a `read` committed later
 *   cannot overtake its `delivered` receipt.
 * Driven deterministically: the consent store's relation read of the reader is held once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openSqliteStores } from '../../src/store/sqlite/index.js';
import { startHostApp } from '../support/host-app.js';
import { closeAll } from '../support/server.js';

const dir = mkdtempSync(join(tmpdir(), 'parlor-receipts-order-'));
const cleanup: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  await closeAll();
  for (const c of cleanup.reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A host app on its own SQLite file whose consent store's relation read can be held once:
 * `holdNextRelationOf(userId)` holds the next read of that user's relation until `release()`, `held` resolving
 * when it has begun.
 */
async function hostWithHeldRelation(file: string) {
  const stores = openSqliteStores({ path: join(dir, file), sessionPruneIntervalMs: 0, writer: 'inline' });
  const consent = stores.consent!;
  const relation = consent.relation.bind(consent);
  let hold: { userId: number; released: Promise<void>; hit: () => void } | null = null;
  consent.relation = ((userId: number, peerId: number) => {
    const h = hold;
    if (h && h.userId === userId) {
      hold = null;
      h.hit();
      return h.released.then(() => relation(userId, peerId));
    }
    return relation(userId, peerId);
  }) as typeof consent.relation;
  const host = await startHostApp(stores, { userDirectory: { existing: (ids: readonly number[]) => [...ids] } });
  cleanup.push(() => stores.close(), () => host.close());
  const holdNextRelationOf = (userId: number) => {
    let release!: () => void;
    let hit!: () => void;
    const held = new Promise<void>((r) => (hit = r));
    hold = { userId, released: new Promise<void>((r) => (release = r)), hit };
    return { held, release: () => release() };
  };
  return { host, holdNextRelationOf };
}

it("a device never gets a read receipt older than one it already got, when two devices read at once", async () => {
  const { host, holdNextRelationOf } = await hostWithHeldRelation('chat.db');

  const SENDER = 11;
  const READER = 22;
  const s = await host.connect(SENDER);
  const [r1, r2, r3] = [await host.connect(READER), await host.connect(READER), await host.connect(READER)];
  // A conversation both accepted (so the sender gets reads too), then two messages to the reader.
  r1.send({ type: 'private', to: SENDER, content: 'hi', client_id: 'r-hi' });
  await r1.next('ack');
  s.send({ type: 'private', to: READER, content: 'one', client_id: 'm1' });
  const m1 = (await s.next('ack', (f) => f.client_id === 'm1')).id as number;
  s.send({ type: 'private', to: READER, content: 'two', client_id: 'm2' });
  const m2 = (await s.next('ack', (f) => f.client_id === 'm2')).id as number;
  await r3.next('private', (f) => f.id === m2);

  // Device 1 reads up to m1: committed, then its relation read is slow.
  const slow = holdNextRelationOf(READER);
  r1.send({ type: 'read', message_id: m1 });
  await slow.held;
  // Device 2 reads up to m2 meanwhile: the marker moves on to m2.
  r2.send({ type: 'read', message_id: m2 });
  await r3.next('receipt', (f) => f.status === 'read' && f.message_id === m2);
  slow.release();
  await new Promise((r) => setTimeout(r, 300));

  const reads = r3.all('receipt').filter((f) => f.status === 'read').map((f) => f.message_id as number);
  // In commit order, right after each commit: device 3 is never told of m1 after m2 (its marker would move back).
  expect(reads, `device 3 got read receipts in this order: ${JSON.stringify(reads)} (m1=${m1}, m2=${m2})`).toEqual([m1, m2]);
  // The sender still hears of both reads, once the slow question answered.
  const told = s.all('receipt').filter((f) => f.status === 'read').map((f) => f.message_id as number);
  expect(told.sort((x, y) => x - y)).toEqual([m1, m2]);
});

it('the sender never gets delivered after read for a replayed message read at once', async () => {
  const { host, holdNextRelationOf } = await hostWithHeldRelation('replay.db');

  const SENDER = 31;
  const READER = 42;
  const s = await host.connect(SENDER);
  // The reader accepted the conversation, then went offline.
  const first = await host.connect(READER);
  first.send({ type: 'private', to: SENDER, content: 'hi', client_id: 'hi' });
  await first.next('ack');
  first.ws.close();
  await first.closed;
  // A message while the reader is offline: no delivered yet.
  s.send({ type: 'private', to: READER, content: 'while you were away', client_id: 'away' });
  const id = (await s.next('ack', (f) => f.client_id === 'away')).id as number;

  // The reader comes back and syncs: the replayed message's delivered receipt waits on its relation read.
  const slow = holdNextRelationOf(READER);
  const r = await host.connect(READER);
  r.send({ type: 'sync', since: 0 });
  await r.next('private', (f) => f.id === id);
  await slow.held;
  // The conversation is open: the reader reads it at once.
  r.send({ type: 'read', message_id: id });
  await s.next('receipt', (f) => f.status === 'read' && f.message_id === id);
  slow.release();
  await new Promise((res) => setTimeout(res, 300));

  const statuses = s.all('receipt').filter((f) => f.message_id === id).map((f) => f.status as string);
  expect(statuses, `the sender got, in order: ${JSON.stringify(statuses)}`).toEqual(['delivered', 'read']);
});
