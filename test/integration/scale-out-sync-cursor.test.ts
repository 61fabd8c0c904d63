/**
 * A `sync` cursor across two real server processes that write at once (one
 * PostgreSQL schema, one Redis prefix): writers on both instances send
 * private and group messages to a reader, who meanwhile syncs again and again
 * from the `last_id` of the previous replay. Replayed frames carry
 * `replayed: true`, so they are told apart from live ones. Every acked
 * message must be replayed exactly once, in id order. The store-level
 * version, with more writers and readers (and the sabotage it catches), is
 * test/store/postgres-write-slots.test.ts.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithServices, startCluster, type Cluster, type Instance } from '../support/cluster.js';
import { closeAll, connectClient, createGroup, registerUser, type TestClient } from '../support/server.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

await describeWithServices('scale-out: a sync cursor while two instances write', { redis: true }, ({ databaseUrl, redisUrl }) => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster({ databaseUrl, redisUrl, names: ['A', 'B'], label: 'cursor' });
  }, 90_000);
  afterAll(async () => {
    await closeAll();
    await cluster?.stop();
  }, 30_000);

  it('every acked message, private and group, from either instance is replayed exactly once, in id order', async () => {
    const [A, B] = cluster.instances as [Instance, Instance];
    const reader = await registerUser(A);
    const writers = await Promise.all([A, A, A, A, B, B, B, B].map((at) => registerUser(at)));
    const groupId = await createGroup(A, reader, writers);
    // The reader on four connections (two per instance), each following its own cursor.
    const readers = await Promise.all([A, A, B, B].map((at) => connectClient(at, reader.cookie)));
    const sockets = await Promise.all(writers.map((w, i) => connectClient(i < 4 ? A : B, w.cookie)));

    let writing = true;
    let rounds = 0;
    /** Syncs again and again from the previous replay's `last_id`; returns every id replayed. */
    const follow = async (r: TestClient): Promise<number[]> => {
      const replayed: number[] = [];
      let cursor = 0;
      for (;;) {
        const done = !writing; // read before the request: an empty replay ends the loop only if it started after every ack
        const from = r.frames.length;
        r.send({ type: 'sync', since: cursor });
        const synced = await r.next('synced', undefined, 10_000);
        const ids = r.frames.slice(from, r.frames.indexOf(synced)).filter((f) => f.replayed === true).map((f) => f.id as number);
        rounds += 1;
        replayed.push(...ids);
        cursor = synced.last_id;
        if (ids.length === 0 && done) return replayed;
        await pause(60); // under the connection's frame rate limit (20/s)
      }
    };
    const following = readers.map(follow);

    // Each writer: 6 rounds of 5 messages in flight (within the frame burst), alternating private and group.
    const acked: number[] = [];
    await Promise.all(
      sockets.map(async (s: TestClient, w) => {
        for (let round = 0; round < 6; round++) {
          const ids = Array.from({ length: 5 }, (_, k) => `w${w}-${round}-${k}`);
          ids.forEach((client_id, k) =>
            s.send(k % 2 === 0 ? { type: 'private', to: reader.id, content: client_id, client_id } : { type: 'group', group_id: groupId, content: client_id, client_id }),
          );
          for (const client_id of ids) acked.push((await s.next('ack', (f) => f.client_id === client_id, 10_000)).id);
        }
      }),
    );
    writing = false;
    const replays = await Promise.all(following);

    expect(acked).toHaveLength(240);
    expect(rounds).toBeGreaterThan(8);
    for (const replayed of replays) expect(replayed).toEqual([...acked].sort((x, y) => x - y));
  }, 60_000);
});
