/**
 * Exactly four messages go to a stalled write worker before its first answer
 * (MESSAGES_IN_FLIGHT, issue 19's fourteenth pass): the worker is stalled
 * (another connection holds the write lock) and each of six ticks makes one
 * write.
 */
import BetterSqlite3 from 'better-sqlite3';
import { expect, it } from 'vitest';
import type { WorkerWriter } from '../../src/store/sqlite/worker-writer.js';
import { recordPostedWrites, useTempDir } from './sqlite-support.js';

const tmp = useTempDir();

it('sends four messages, one per tick, while none is answered; the fifth tick waits', async () => {
  const stores = tmp.open();
  const a = await stores.users.createUser('alice', 'h');
  const posted = recordPostedWrites(stores.writer as WorkerWriter);
  const holder = new BetterSqlite3(tmp.path());
  holder.exec('BEGIN IMMEDIATE'); // the worker's next BEGIN waits (busy timeout 5 s)
  const sends: Array<Promise<unknown>> = [];
  try {
    for (let tick = 0; tick < 6; tick++) {
      sends.push(stores.messages.savePrivate({ from: a.id, to: a.id, content: `m${tick}` }));
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(posted).toEqual([1, 1, 1, 1]);
  } finally {
    holder.exec('ROLLBACK');
    holder.close();
  }
  await Promise.all(sends);
  expect(posted.reduce((n, k) => n + k, 0)).toBe(6);
});
