/**
 * The consent relations the SQLite store keeps in memory (relation-cache.ts):
 * every write that changes a relation reaches the cache, also when a read
 * comes between the write's request and its COMMIT. Real SQLite, the write
 * worker on a file.
 */
import { describe, expect, it } from 'vitest';
import { RelationCache } from '../../src/store/sqlite/relation-cache.js';
import { useTempDir } from './sqlite-support.js';

describe('sqlite: the consent relation cache', () => {
  const tmp = useTempDir();

  async function setup(options: { relationCachePairs?: number } = {}) {
    const stores = tmp.open(options);
    const a = await stores.users.createUser('alice', 'h');
    const b = await stores.users.createUser('bob', 'h');
    return { stores, a: a.id, b: b.id, relation: (u: number, p: number) => stores.consent.relation(u, p) };
  }

  it('a pair read twice is read from the database once', async () => {
    const { stores, a, b, relation } = await setup();
    relation(a, b);
    const misses = stores.relations!.stats.misses;
    expect(relation(a, b)).toEqual({ blocking: false, blockedBy: false, wrote: false, peerWrote: false, shareGroup: false });
    expect(stores.relations!.stats).toMatchObject({ misses });
  });

  it("a first message is seen at once, in the sender's wrote and the recipient's peerWrote", async () => {
    const { stores, a, b, relation } = await setup();
    expect(relation(a, b).wrote).toBe(false);
    expect(relation(b, a).peerWrote).toBe(false);
    await stores.messages.savePrivate({ from: a, to: b, content: 'hi' });
    expect(relation(a, b)).toMatchObject({ wrote: true, peerWrote: false });
    expect(relation(b, a)).toMatchObject({ wrote: false, peerWrote: true });
  });

  it("a write recorded for a host's persister is seen at once, as a message is", async () => {
    const { stores, a, b, relation } = await setup();
    expect(relation(a, b).wrote).toBe(false);
    expect(relation(b, a).peerWrote).toBe(false);
    await stores.consent.recordWrite(a, b);
    expect(relation(a, b)).toMatchObject({ wrote: true, peerWrote: false });
    expect(relation(b, a)).toMatchObject({ wrote: false, peerWrote: true });
  });

  it('a read between a message and its COMMIT does not keep the old answer', async () => {
    const { stores, a, b, relation } = await setup();
    const saving = stores.messages.savePrivate({ from: a, to: b, content: 'hi' });
    // Synchronous, before the worker can have committed: the database still says no, and that answer is cached.
    expect(relation(b, a).peerWrote).toBe(false);
    await saving;
    expect(relation(b, a).peerWrote).toBe(true);
  });

  it('a block and an unblock are seen at once by a conversation already cached, also with a read before their COMMIT', async () => {
    const { stores, a, b, relation } = await setup();
    await stores.messages.savePrivate({ from: a, to: b, content: 'hi' });
    await stores.messages.savePrivate({ from: b, to: a, content: 'hello' });
    expect(relation(a, b)).toMatchObject({ wrote: true, peerWrote: true, blockedBy: false });
    const blocking = stores.consent.block(b, a);
    expect(relation(a, b).blockedBy).toBe(false); // before the COMMIT
    await blocking;
    expect(relation(a, b)).toMatchObject({ blockedBy: true, wrote: true });
    expect(relation(b, a)).toMatchObject({ blocking: true });
    const unblocking = stores.consent.unblock(b, a);
    expect(relation(a, b).blockedBy).toBe(true); // before the COMMIT
    await unblocking;
    expect(relation(a, b).blockedBy).toBe(false);
  });

  it('accepting a group invitation makes the two group-mates at once, also with a read before the COMMIT', async () => {
    const { stores, a, b, relation } = await setup();
    const group = await stores.groups.createGroup(a, 'g');
    await stores.groups.invite(group.id, b, a);
    expect(relation(a, b).shareGroup).toBe(false);
    const accepting = stores.groups.respond(group.id, b, true);
    expect(relation(b, a).shareGroup).toBe(false); // before the COMMIT
    await accepting;
    expect(relation(a, b).shareGroup).toBe(true);
    expect(relation(b, a).shareGroup).toBe(true);
  });

  it('leaving the only group two share ends it at once, also with a read before the COMMIT', async () => {
    const { stores, a, b, relation } = await setup();
    const group = await stores.groups.createGroup(a, 'g');
    await stores.groups.invite(group.id, b, a);
    await stores.groups.respond(group.id, b, true);
    expect(relation(a, b).shareGroup).toBe(true);
    const leaving = stores.groups.leave(group.id, b);
    expect(relation(b, a).shareGroup).toBe(true); // before the COMMIT
    await leaving;
    expect(relation(a, b).shareGroup).toBe(false);
    expect(relation(b, a).shareGroup).toBe(false);
  });

  it('relationCachePairs: 0 turns it off; every relation is read from the database', async () => {
    const { stores, a, b, relation } = await setup({ relationCachePairs: 0 });
    expect(stores.relations).toBeNull();
    expect(relation(a, b).wrote).toBe(false);
    await stores.messages.savePrivate({ from: a, to: b, content: 'hi' });
    expect(relation(a, b).wrote).toBe(true);
  });
});

describe('RelationCache', () => {
  const open = { blocking: false, blockedBy: false, wrote: true, peerWrote: true, shareGroup: false };

  it('is bounded: the least recently used pair leaves first', () => {
    const cache = new RelationCache(2);
    cache.keep(1, 2, { ...open });
    cache.keep(1, 3, { ...open });
    cache.get(1, 2); // now the most recently used
    cache.keep(1, 4, { ...open });
    expect(cache.size).toBe(2);
    expect(cache.get(1, 3)).toBeUndefined();
    expect(cache.get(1, 2)).toEqual(open);
    expect(() => new RelationCache(0)).toThrow(TypeError);
  });

  it('a message drops only the entries it can change; a conversation under way keeps its entries', () => {
    const cache = new RelationCache();
    cache.keep(1, 2, { ...open });
    cache.keep(2, 1, { ...open });
    cache.committed(['savePrivate', [1, 2, 'hi', null, 0]]);
    expect(cache.get(1, 2)).toBeDefined();
    expect(cache.get(2, 1)).toBeDefined();
    cache.keep(3, 4, { ...open, wrote: false });
    cache.keep(4, 3, { ...open, peerWrote: false });
    cache.committed(['savePrivate', [3, 4, 'hi', null, 0]]);
    expect(cache.get(3, 4)).toBeUndefined();
    expect(cache.get(4, 3)).toBeUndefined();
  });

  it('a declined invitation or a write that touches no relation keeps everything; accepting or leaving drops everything', () => {
    const cache = new RelationCache();
    cache.keep(1, 2, { ...open, shareGroup: false });
    cache.committed(['changeMembership', [7, 2, 'decline', 0]]);
    cache.committed(['markDelivered', [5, 2, 0]]);
    cache.committed(['saveGroup', [1, 7, 'hi', null, 0]]);
    expect(cache.size).toBe(1);
    cache.committed(['changeMembership', [7, 2, 'accept', 0]]);
    expect(cache.size).toBe(0);
    cache.keep(1, 2, { ...open, shareGroup: true });
    cache.committed(['changeMembership', [7, 2, 'leave', 0]]);
    expect(cache.size).toBe(0);
  });
});

describe('SqliteWriter.afterCommit', () => {
  const tmp = useTempDir();

  it.each(['worker', 'inline'] as const)('%s writer: every committed write, in order, before its promise settles; a write that failed alone is not reported', async (writer) => {
    const stores = writer === 'inline' ? tmp.open({ path: ':memory:' }) : tmp.open();
    const a = await stores.users.createUser('alice', 'h');
    const seen: string[] = [];
    stores.writer.afterCommit(([op]) => seen.push(op));
    await stores.messages.savePrivate({ from: a.id, to: a.id, content: 'p', clientId: 'taken' });
    const settledAfter: string[][] = [];
    await Promise.all([
      stores.messages.markDelivered!(1, a.id).then(() => settledAfter.push([...seen])),
      // The client_id is taken by a private message: this write fails alone in the same batch.
      stores.messages.saveGroup({ from: a.id, groupId: 9, content: 'g', clientId: 'taken' }).catch(() => 'refused'),
      stores.consent.block(a.id, a.id + 1),
    ]);
    expect(seen).toEqual(['savePrivate', 'markDelivered', 'block']);
    expect(settledAfter[0]).toEqual(['savePrivate', 'markDelivered', 'block']);
  });
});
