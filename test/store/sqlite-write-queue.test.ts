import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ParlorError, isParlorError } from '../../src/errors.js';
import { WriteQueue } from '../../src/store/sqlite/index.js';
import { useTempDir } from './sqlite-support.js';

describe.each(['inline', 'worker'] as const)('sqlite: group commit, %s writer', (writer) => {
  const tmp = useTempDir();

  async function setup(options: Parameters<typeof tmp.open>[0] = {}) {
    const stores = tmp.open({ writer, ...options });
    expect(stores.writer.kind).toBe(writer);
    const a = await stores.users.createUser('alice', 'h');
    const b = await stores.users.createUser('bob', 'h');
    return { stores, a, b };
  }

  it('N sends in the same tick commit in ONE transaction, visible to others before any promise resolves', async () => {
    const { stores, a, b } = await setup();
    const reader = new BetterSqlite3(tmp.path(), { readonly: true });
    const count = reader.prepare('SELECT count(*) FROM messages').pluck();
    try {
      const before = { ...stores.writer.stats };
      const n = 50;
      let seenAtFirstResolve = -1;
      const sends = Array.from({ length: n }, (_, i) =>
        stores.messages.savePrivate({ from: i % 2 ? a.id : b.id, to: i % 2 ? b.id : a.id, content: `m${i}` }),
      );
      expect(count.get()).toBe(0);
      void sends[0]!.then(() => {
        seenAtFirstResolve = count.get() as number;
      });
      const saved = await Promise.all(sends);
      expect(stores.writer.stats.batches - before.batches).toBe(1);
      expect(stores.writer.stats.committed - before.committed).toBe(n);
      expect(stores.writer.stats.largestBatch).toBe(n);
      // A second connection already saw all n rows when the FIRST promise resolved:
      // one COMMIT for all of them, and no resolve before it.
      expect(seenAtFirstResolve).toBe(n);
      const ids = saved.map((s) => s.message.id);
      expect(ids).toEqual([...ids].sort((x, y) => x - y));
      expect(new Set(ids).size).toBe(n);
    } finally {
      reader.close();
    }
  });

  it('mixed writes of one tick (messages, notifications, receipts, sessions) share the transaction', async () => {
    const { stores, a, b } = await setup();
    const first = await stores.messages.savePrivate({ from: a.id, to: b.id, content: 'first' });
    const before = stores.writer.stats.batches;
    await Promise.all([
      stores.messages.savePrivate({ from: a.id, to: b.id, content: 'p' }),
      stores.messages.saveNotification(b.id, 'system', 'n'),
      stores.messages.markDelivered(first.message.id, b.id),
      stores.notifications.markRead(b.id),
      new Promise<void>((resolve, reject) =>
        stores.sessions.set('s', { cookie: { maxAge: 1000 } } as never, (err) => (err ? reject(err) : resolve())),
      ),
    ]);
    expect(stores.writer.stats.batches - before).toBe(1);
  });

  it('sequential awaited sends are one transaction each (the counter counts transactions)', async () => {
    const { stores, a, b } = await setup();
    const before = stores.writer.stats.batches;
    for (let i = 0; i < 3; i++) await stores.messages.savePrivate({ from: a.id, to: b.id, content: `m${i}` });
    expect(stores.writer.stats.batches - before).toBe(3);
  });

  it('a refused write in a batch rejects alone with its error; the rest commit in the same transaction', async () => {
    const { stores, a, b } = await setup();
    await stores.messages.savePrivate({ from: a.id, to: b.id, content: 'earlier', clientId: 'taken' });
    const before = { ...stores.writer.stats };
    const results = await Promise.allSettled([
      stores.messages.savePrivate({ from: a.id, to: b.id, content: 'one', clientId: 'x1' }),
      // Neither users nor groups are checked by the store (the UserDirectory and the GroupMemberFetcher
      // are asked before); a client_id already used for a private message cannot name a group message.
      stores.messages.saveGroup({ from: a.id, groupId: 424242, content: 'lost', clientId: 'taken' }),
      stores.messages.savePrivate({ from: a.id, to: b.id, content: 'two', clientId: 'x3' }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const reason = (results[1] as PromiseRejectedResult).reason;
    expect(reason).toBeInstanceOf(ParlorError);
    expect(reason.code).toBe('bad_request');
    expect(stores.writer.stats.batches - before.batches).toBe(1);
    expect(stores.writer.stats.failed - before.failed).toBe(1);
    // The failed write stored nothing: the group has no message.
    expect((await stores.messages.groupHistory(424242, { limit: 10 })).items).toEqual([]);
  });

});

// Synchronous flushing and pragmas on the main connection: only the inline writer has them.
describe('sqlite: group commit, inline writer', () => {
  const tmp = useTempDir();

  async function setup(options: Parameters<typeof tmp.open>[0] = {}) {
    const stores = tmp.open({ writer: 'inline', ...options });
    const a = await stores.users.createUser('alice', 'h');
    const b = await stores.users.createUser('bob', 'h');
    return { stores, a, b };
  }

  it('a full batch is committed at once: maxBatch bounds the transaction size', async () => {
    const { stores, a, b } = await setup({ maxBatch: 8 });
    const before = stores.writer.stats.batches;
    const sends = Array.from({ length: 20 }, (_, i) => stores.messages.savePrivate({ from: a.id, to: b.id, content: `m${i}` }));
    // The first two batches were committed synchronously, as they filled up.
    expect(stores.writer.stats.batches - before).toBe(2);
    expect(stores.writer.size).toBe(4);
    await Promise.all(sends);
    expect(stores.writer.stats.batches - before).toBe(3);
    expect(stores.writer.stats.largestBatch).toBe(8);
    expect((await stores.messages.privateHistory(a.id, b.id, { limit: 50 })).items).toHaveLength(20);
  });

  it('disk full rejects with an ordinary Error (not a ParlorError), stores exactly what resolved, and the store recovers', async () => {
    const { stores, a, b } = await setup();
    const pages = stores.db.pragma('page_count', { simple: true }) as number;
    stores.db.pragma(`max_page_count = ${pages + 1}`);
    const big = 'x'.repeat(64 * 1024);
    const results = await Promise.allSettled([
      stores.messages.savePrivate({ from: a.id, to: b.id, content: 'small' }),
      stores.messages.savePrivate({ from: a.id, to: b.id, content: big }),
      stores.messages.savePrivate({ from: a.id, to: b.id, content: 'after' }),
    ]);
    // SQLite rolls back either the statement (only that item fails) or the whole
    // transaction (the whole batch fails); either way no promise lies.
    expect(results[1]!.status).toBe('rejected');
    const err = (results[1] as PromiseRejectedResult).reason;
    expect(isParlorError(err)).toBe(false);
    expect(err).toMatchObject({ code: 'SQLITE_FULL' });
    const resolved = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.message] : [])).reverse();
    expect((await stores.messages.privateHistory(a.id, b.id, { limit: 10 })).items.map((m) => m.id)).toEqual(resolved.map((m) => m.id));

    stores.db.pragma('max_page_count = 1073741823');
    const ok = await stores.messages.savePrivate({ from: a.id, to: b.id, content: 'works again' });
    expect((await stores.messages.privateHistory(a.id, b.id, { limit: 1 })).items.map((m) => m.id)).toEqual([ok.message.id]);
  });
});

describe('WriteQueue', () => {
  const tmp = useTempDir();
  const db = () => {
    const d = new BetterSqlite3(':memory:');
    d.exec('CREATE TABLE t (x TEXT UNIQUE)');
    return d;
  };

  it('rolls back only the item that threw (savepoint), keeping its earlier statements out', async () => {
    const d = db();
    const queue = new WriteQueue(d);
    const insert = d.prepare('INSERT INTO t VALUES (?)');
    const results = await Promise.allSettled([
      queue.enqueue(() => insert.run('a').changes),
      queue.enqueue(() => {
        insert.run('half');
        throw new Error('boom');
      }),
      queue.enqueue(() => insert.run('a').changes),
      queue.enqueue(() => insert.run('b').changes),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe('boom');
    expect((results[2] as PromiseRejectedResult).reason.code).toBe('SQLITE_CONSTRAINT_UNIQUE');
    expect(d.prepare('SELECT x FROM t ORDER BY x').pluck().all()).toEqual(['a', 'b']);
    expect(queue.stats).toEqual({ batches: 1, committed: 2, failed: 2, largestBatch: 4 });
    d.close();
  });

  it('a batch of one whose item throws stores nothing of it (no retry needed) and rejects alone', async () => {
    const d = db();
    const queue = new WriteQueue(d);
    const insert = d.prepare('INSERT INTO t VALUES (?)');
    const result = queue.enqueue(() => {
      insert.run('half');
      throw new Error('boom');
    });
    await expect(result).rejects.toThrow('boom');
    expect(d.prepare('SELECT count(*) FROM t').pluck().get()).toBe(0);
    expect(d.inTransaction).toBe(false);
    expect(queue.stats).toEqual({ batches: 1, committed: 0, failed: 1, largestBatch: 1 });
    await expect(queue.enqueue(() => insert.run('next').changes)).resolves.toBe(1);
    d.close();
  });

  it('a failing item makes the batch run again isolated: the others run twice, their results come from the committed run', async () => {
    const d = db();
    const queue = new WriteQueue(d);
    const insert = d.prepare('INSERT INTO t VALUES (?)');
    let runs = 0;
    const results = await Promise.allSettled([
      queue.enqueue(() => (runs++, insert.run('a').lastInsertRowid)),
      queue.enqueue(() => insert.run('a')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect(runs).toBe(2);
    expect(d.prepare('SELECT rowid FROM t').pluck().all()).toEqual([(results[0] as PromiseFulfilledResult<number | bigint>).value]);
    d.close();
  });

  it('when SQLite rolls back the whole transaction (disk full), every item rejects and nothing is stored', async () => {
    const dir = tmp.dir();
    const d = new BetterSqlite3(`${dir}/full.db`);
    d.pragma('journal_mode = WAL');
    d.exec('CREATE TABLE t (x TEXT)');
    d.pragma(`max_page_count = ${(d.pragma('page_count', { simple: true }) as number) + 2}`);
    const queue = new WriteQueue(d);
    const insert = d.prepare('INSERT INTO t VALUES (?)');
    const results = await Promise.allSettled([
      queue.enqueue(() => insert.run('small')),
      queue.enqueue(() => insert.run('x'.repeat(100_000))),
      queue.enqueue(() => insert.run('after')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const r of results) expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'SQLITE_FULL' });
    expect(d.prepare('SELECT count(*) FROM t').pluck().get()).toBe(0);
    expect(d.inTransaction).toBe(false);
    d.close();
  });

  it('rejects every item when the COMMIT itself fails', async () => {
    const d = db();
    const queue = new WriteQueue(d);
    const insert = d.prepare('INSERT INTO t VALUES (?)');
    const results = await Promise.allSettled([
      queue.enqueue(() => insert.run('a')),
      // Ends the batch transaction behind the queue's back: its COMMIT then fails.
      queue.enqueue(() => d.exec('ROLLBACK')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(d.prepare('SELECT count(*) FROM t').pluck().get()).toBe(0);
    expect(queue.stats.batches).toBe(0);
    d.close();
  });

  it('close() flushes synchronously and later writes reject', async () => {
    const d = db();
    const queue = new WriteQueue(d);
    const insert = d.prepare('INSERT INTO t VALUES (?)');
    const p = queue.enqueue(() => insert.run('a').changes);
    queue.close();
    expect(d.prepare('SELECT count(*) FROM t').pluck().get()).toBe(1);
    await expect(p).resolves.toBe(1);
    await expect(queue.enqueue(() => 1)).rejects.toThrow(/closed/);
    d.close();
  });

  it('rejects a bad maxBatch at construction', () => {
    const d = db();
    expect(() => new WriteQueue(d, { maxBatch: 0 })).toThrow(TypeError);
    expect(() => new WriteQueue(d, { maxBatch: 1.5 })).toThrow(TypeError);
    d.close();
  });
});
