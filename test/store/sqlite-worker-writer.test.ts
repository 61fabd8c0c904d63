import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ParlorError } from '../../src/errors.js';
import { openSqliteStores } from '../../src/store/sqlite/index.js';
import type { WorkerWriter } from '../../src/store/sqlite/worker-writer.js';
import { resolveWriteWorker } from '../../src/store/sqlite/write-worker-entry.js';
import { recordPostedWrites, useTempDir } from './sqlite-support.js';

describe('sqlite: the write worker', () => {
  const tmp = useTempDir();

  async function setup() {
    const stores = tmp.open();
    const a = await stores.users.createUser('alice', 'h');
    const b = await stores.users.createUser('bob', 'h');
    return { stores, a, b, writer: stores.writer as WorkerWriter };
  }

  it('is the default for a database file; :memory: writes on this thread and refuses a worker', async () => {
    const { stores } = await setup();
    expect(stores.writer.kind).toBe('worker');
    const memory = openSqliteStores({ path: ':memory:', sessionPruneIntervalMs: 0 });
    try {
      expect(memory.writer.kind).toBe('inline');
    } finally {
      await memory.close();
    }
    expect(() => openSqliteStores({ path: ':memory:', writer: 'worker' })).toThrow(/in-memory/);
  });

  it('writes from another thread: the row is on disk, and read back on this thread, when the promise resolves', async () => {
    const { stores, a, b } = await setup();
    const saved = await stores.messages.savePrivate({ from: a.id, to: b.id, content: 'hi', clientId: 'c1' });
    const other = new BetterSqlite3(tmp.path(), { readonly: true });
    try {
      expect(other.prepare('SELECT content FROM messages WHERE id = ?').pluck().get(saved.message.id)).toBe('hi');
    } finally {
      other.close();
    }
    expect((await stores.messages.privateHistory(a.id, b.id, { limit: 5 })).items.map((m) => m.id)).toEqual([saved.message.id]);
  });

  it('a ParlorError thrown in the worker arrives as a ParlorError with its code', async () => {
    const { stores, a } = await setup();
    const err = await stores.users.createUser('ALICE', 'h').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParlorError);
    expect(err).toMatchObject({ code: 'conflict', message: 'the username ALICE is taken' });
    await stores.messages.savePrivate({ from: a.id, to: a.id, content: 'p', clientId: 'taken' });
    const refused = await stores.messages.saveGroup({ from: a.id, groupId: 9999, content: 'x', clientId: 'taken' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ParlorError);
    expect(refused).toMatchObject({ code: 'bad_request', message: 'client_id taken was already used for a private message' });
  });

  it('a SQLite error keeps its code across the thread boundary and is not a ParlorError', async () => {
    const { stores, a } = await setup();
    // json_each() of text that is not JSON: SQLite's own error, raised in the worker.
    const err = await stores.writer.run('markNotificationsRead', a.id, 'not json').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(ParlorError);
    expect(err).toMatchObject({ code: 'SQLITE_ERROR', message: expect.stringMatching(/JSON/i) });
  });

  it('the writes of one tick travel as one message; the worker commits them in batches of at most maxBatch', async () => {
    const stores = tmp.open({ maxBatch: 16 });
    const a = await stores.users.createUser('alice', 'h');
    const before = { ...stores.writer.stats };
    await Promise.all(Array.from({ length: 50 }, (_, i) => stores.messages.savePrivate({ from: a.id, to: a.id, content: `m${i}` })));
    expect(stores.writer.stats.batches - before.batches).toBe(4); // 16 + 16 + 16 + 2
    expect(stores.writer.stats.largestBatch).toBe(16);
    expect(stores.writer.stats.committed - before.committed).toBe(50);
  });

  it('writes spread over many ticks all commit, none in a batch larger than maxBatch', async () => {
    const stores = tmp.open({ maxBatch: 16 });
    const a = await stores.users.createUser('alice', 'h');
    const before = { ...stores.writer.stats };
    const sends: Array<Promise<unknown>> = [];
    for (let tick = 0; tick < 20; tick++) {
      for (let i = 0; i < 10; i++) sends.push(stores.messages.savePrivate({ from: a.id, to: a.id, content: `m${tick}.${i}` }));
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(sends);
    expect(stores.writer.stats.committed - before.committed).toBe(200);
    expect(stores.writer.stats.largestBatch).toBeLessThanOrEqual(16);
    expect((await stores.messages.privateHistory(a.id, a.id, { limit: 300 })).items).toHaveLength(200);
  });

  it('while four messages are unanswered, writes of later ticks wait and leave together when the first is answered', async () => {
    const { stores, a } = await setup();
    const posted = recordPostedWrites(stores.writer as WorkerWriter);
    const sends: Array<Promise<unknown>> = [];
    const first = stores.messages.savePrivate({ from: a.id, to: a.id, content: 'first' });
    sends.push(first);
    // Ten more ticks of writes while the first one is in the worker: none of them may wake it.
    for (let tick = 0; tick < 10; tick++) {
      await new Promise((r) => setImmediate(r));
      for (let i = 0; i < 3; i++) sends.push(stores.messages.savePrivate({ from: a.id, to: a.id, content: `m${tick}.${i}` }));
    }
    await Promise.all(sends);
    expect(posted.reduce((n, k) => n + k, 0)).toBe(31);
    // The first write alone, then whatever waited, in as few messages as the answers allowed (not one per tick).
    expect(posted[0]).toBe(1);
    expect(posted.length).toBeLessThan(11);
    expect((await stores.messages.privateHistory(a.id, a.id, { limit: 50 })).items).toHaveLength(31);
  });

  it('a message answered in several batches (maxBatch) frees its place once all are in: later writes still leave', async () => {
    const stores = tmp.open({ maxBatch: 16 });
    const a = await stores.users.createUser('alice', 'h');
    const stuck = (ms: number) => new Promise((_, reject) => setTimeout(() => reject(new Error('writes stuck in the outbox')), ms).unref());
    for (let round = 0; round < 3; round++) {
      // 50 writes in one tick: one message, answered as 16 + 16 + 16 + 2.
      const burst = Array.from({ length: 50 }, (_, i) => stores.messages.savePrivate({ from: a.id, to: a.id, content: `r${round}.${i}` }));
      await Promise.race([Promise.all(burst), stuck(5000)]);
    }
    expect((await stores.messages.privateHistory(a.id, a.id, { limit: 200 })).items).toHaveLength(150);
  });

  it('answers in order: results match their writes whatever the batching', async () => {
    const { stores, a, b } = await setup();
    // Every third write is refused: its client_id was used for a private message.
    await stores.messages.savePrivate({ from: a.id, to: b.id, content: 'p', clientId: 'taken' });
    await stores.messages.savePrivate({ from: b.id, to: b.id, content: 'p', clientId: 'taken' });
    const send = (i: number) =>
      i % 3
        ? stores.messages.savePrivate({ from: i % 2 ? a.id : b.id, to: b.id, content: `m${i}` })
        : stores.messages.saveGroup({ from: i % 2 ? a.id : b.id, groupId: 9999, content: `m${i}`, clientId: 'taken' });
    const sends = Array.from({ length: 300 }, (_, i) =>
      send(i).then(
        (s) => s.message.content,
        (e: ParlorError) => e.code,
      ),
    );
    expect(await Promise.all(sends)).toEqual(Array.from({ length: 300 }, (_, i) => (i % 3 ? `m${i}` : 'bad_request')));
  });

  it('when the worker dies, waiting writes reject, later writes reject, and ping() reports it', async () => {
    const { stores, a, writer } = await setup();
    const waiting = stores.messages.savePrivate({ from: a.id, to: a.id, content: 'in flight' });
    await writer.worker.terminate();
    await expect(waiting).rejects.toThrow(/worker exited/);
    await expect(stores.messages.savePrivate({ from: a.id, to: a.id, content: 'later' })).rejects.toThrow(/worker exited/);
    await expect(stores.ping()).rejects.toThrow(/worker exited/);
    // Reads still work: they never needed the worker.
    expect(stores.users.findById(a.id)?.username).toBe('alice');
  });

  it('refuses writes past maxPendingWrites with rate_limited while the worker is behind, and commits the ones it took', async () => {
    const stores = tmp.open({ maxPendingWrites: 5, busyTimeoutMs: 5000 });
    const a = await stores.users.createUser('alice', 'h');
    // Another process holds the write lock: the worker's next batch waits for it.
    const blocker = new BetterSqlite3(tmp.path());
    blocker.exec('BEGIN IMMEDIATE');
    try {
      const sends = Array.from({ length: 10 }, (_, i) => stores.messages.savePrivate({ from: a.id, to: a.id, content: `m${i}` }));
      const settled = Promise.allSettled(sends);
      await new Promise((r) => setTimeout(r, 100));
      blocker.exec('COMMIT');
      const outcomes = await settled;
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(5);
      const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect(refused).toHaveLength(5);
      for (const r of refused) expect(r.reason).toMatchObject({ code: 'rate_limited' });
      expect((await stores.messages.privateHistory(a.id, a.id, { limit: 20 })).items).toHaveLength(5);
    } finally {
      blocker.close();
    }
  });

  it('a reply the worker posted just before it failed is ignored, not a crash of this thread', async () => {
    const { stores, a, writer } = await setup();
    const waiting = stores.messages.savePrivate({ from: a.id, to: a.id, content: 'in flight' });
    const internals = writer as unknown as { stop(err: Error): void; settle(reply: unknown): void };
    internals.stop(new Error('the SQLite write worker exited (code 1)'));
    await expect(waiting).rejects.toThrow(/worker exited/);
    expect(() => internals.settle({ type: 'committed', values: [[1, 1]], failures: null })).not.toThrow();
  });

  it('close() commits what was queued in the same tick, then the worker is gone', async () => {
    const { stores, a, writer } = await setup();
    const pending = [1, 2, 3].map((i) => stores.messages.savePrivate({ from: a.id, to: a.id, content: `m${i}` }));
    await stores.close();
    expect((await Promise.all(pending)).map((s) => s.duplicate)).toEqual([false, false, false]);
    expect(writer.worker.threadId).toBe(-1);
    await expect(stores.messages.savePrivate({ from: a.id, to: a.id, content: 'late' })).rejects.toThrow(/closed/);
  });
});

describe('sqlite: the membership cache', () => {
  const tmp = useTempDir();

  it('a group message after accept/decline sees the new members: respond invalidates the cached group', async () => {
    const stores = tmp.open();
    const owner = await stores.users.createUser('owner', 'h');
    const joiner = await stores.users.createUser('joiner', 'h');
    const leaver = await stores.users.createUser('leaver', 'h');
    const g = await stores.groups.createGroup(owner.id, 'g');
    await stores.groups.invite(g.id, joiner.id, owner.id);
    await stores.groups.invite(g.id, leaver.id, owner.id);
    expect(stores.groups.acceptedMembers(g.id)).toEqual([owner.id]);
    expect(stores.groups.acceptedMembers(g.id)).toEqual([owner.id]);
    expect(stores.groups.membershipCache!.stats.hits).toBe(1);

    await stores.groups.respond(g.id, joiner.id, true);
    expect(stores.groups.acceptedMembers(g.id)).toEqual([owner.id, joiner.id]);
    await stores.groups.respond(g.id, leaver.id, false);
    expect(stores.groups.acceptedMembers(g.id)).toEqual([owner.id, joiner.id]);
    expect(stores.groups.membershipCache!.stats.invalidations).toBe(2);
  });

  it('membershipCacheGroups: 0 turns it off: every lookup reads the database', async () => {
    const stores = tmp.open({ membershipCacheGroups: 0 });
    const owner = await stores.users.createUser('owner', 'h');
    const g = await stores.groups.createGroup(owner.id, 'g');
    expect(stores.groups.membershipCache).toBeNull();
    expect(stores.groups.acceptedMembers(g.id)).toEqual([owner.id]);
  });

  it('a read between the worker COMMIT and the answer cannot leave a stale entry behind', async () => {
    const stores = tmp.open();
    const owner = await stores.users.createUser('owner', 'h');
    const joiner = await stores.users.createUser('joiner', 'h');
    const g = await stores.groups.createGroup(owner.id, 'g');
    await stores.groups.invite(g.id, joiner.id, owner.id);
    const accepted = stores.groups.respond(g.id, joiner.id, true);
    // Read (and cache) repeatedly while the answer is on its way: old or new, never stale after it.
    const seen = new Set<string>();
    while (seen.size < 2) {
      seen.add(JSON.stringify(stores.groups.acceptedMembers(g.id)));
      await new Promise((r) => setImmediate(r));
      if (stores.writer.size === 0) break;
    }
    await accepted;
    expect(stores.groups.acceptedMembers(g.id)).toEqual([owner.id, joiner.id]);
  });
});

describe('sqlite: where the write worker module is found', () => {
  it('the compiled module next to the store; the TypeScript source bundled; else an error that names the way out', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parlor-worker-entry-'));
    try {
      const url = pathToFileURL(`${dir}/`);
      expect(() => resolveWriteWorker(url)).toThrow(/writer: 'inline'/);
      writeFileSync(join(dir, 'write-worker.js'), '');
      expect(resolveWriteWorker(url).href).toBe(new URL('write-worker.js', url).href);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // From the sources (this test run), the .ts is bundled into node_modules/.cache, one folder per checkout.
    const fromSources = resolveWriteWorker(new URL('../../src/store/sqlite/', import.meta.url));
    expect(fromSources.pathname).toMatch(/node_modules\/\.cache\/parlor\/[0-9a-f]{12}\/write-worker\.mjs$/);
  });
});

describe('sqlite: a write the worker cannot be sent', () => {
  const tmp = useTempDir();

  it('fails alone: the other writes of the same tick are stored and answered in order', async () => {
    const stores = tmp.open();
    const a = await stores.users.createUser('alice', 'h');
    const results = await Promise.allSettled([
      stores.messages.savePrivate({ from: a.id, to: a.id, content: 'before' }),
      // A function cannot cross to another thread (structured clone).
      stores.notifications.save(a.id, 'system', 'bad', { callback: () => 1 } as never),
      stores.messages.savePrivate({ from: a.id, to: a.id, content: 'after' }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ name: 'DataCloneError' });
    const contents = results.flatMap((r) => (r.status === 'fulfilled' ? [(r.value as { message: { content: string } }).message.content] : []));
    expect(contents).toEqual(['before', 'after']);
    expect((await stores.notifications.list(a.id, { limit: 5 })).items).toEqual([]);
    expect(stores.writer.size).toBe(0);
  });
});
