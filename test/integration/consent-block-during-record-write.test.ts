/**
 * Contract section 6 (blocking): once A blocks B, B's private messages to A are refused (`forbidden`, nothing
 * stored), also one whose checks were still under way when the block was answered.
 *
 * With a host MessagePersister and Parlor's ConsentStore (recordWrites), a sender's first message to a recipient
 * waits for its "who wrote" record (ConsentStore.recordWrite, a store write) before it is handed to the persister.
 * A block answered during that write refuses it: admission is checked again after the record, as after a policy
 * or a turn's wait. Driven deterministically: recordWrite is held until the block has been answered.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openSqliteStores } from '../../src/store/sqlite/index.js';
import { startHostApp } from '../support/host-app.js';
import { closeAll, expectNoFrame } from '../support/server.js';

const dir = mkdtempSync(join(tmpdir(), 'parlor-block-record-'));
const cleanup: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  await closeAll();
  for (const c of cleanup.reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

it("a first message whose record write overlaps the recipient's block is not stored or delivered", async () => {
  const stores = openSqliteStores({ path: join(dir, 'parlor.db'), sessionPruneIntervalMs: 0, writer: 'inline' });
  const hostDb = openSqliteStores({ path: join(dir, 'host.db'), sessionPruneIntervalMs: 0, writer: 'inline' });
  const consent = stores.consent!;
  const recordWrite = consent.recordWrite!.bind(consent);
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let hit!: () => void;
  const hitP = new Promise<void>((r) => (hit = r));
  consent.recordWrite = (async (from: number, to: number) => {
    hit();
    await released;
    return recordWrite(from, to);
  }) as typeof consent.recordWrite;
  const host = await startHostApp(stores, {
    userDirectory: { existing: (ids: readonly number[]) => [...ids] },
    messagePersister: hostDb.messages,
  });
  cleanup.push(() => hostDb.close(), () => stores.close(), () => host.close());

  const PEST = 51;
  const ME = 62;
  const [p, m] = [await host.connect(PEST), await host.connect(ME)];
  p.send({ type: 'private', to: ME, content: 'hello stranger', client_id: 'first' });
  await hitP; // admitted (no block yet), its record is being written
  await host.http.post(`/api/users/${PEST}/block`).set(host.as(ME)).expect(201);
  release();

  const answer = await Promise.race([p.next('ack', (f) => f.client_id === 'first'), p.next('error', (f) => f.client_id === 'first')]);
  expect(answer, `the blocked sender got ${JSON.stringify(answer)} for a message stored after the block`).toMatchObject({ type: 'error', code: 'forbidden' });
  await expectNoFrame(m, 'private', 200, (f) => f.content === 'hello stranger');
});
