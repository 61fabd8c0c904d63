/**
 * Counts of live objects, for tests that check a workload leaves nothing
 * behind: structures counted, never heap bytes (which move with JIT, caches
 * and GC timing on a busy machine).
 *
 * `v8.queryObjects` (Node 20.13+; experimental, it prints one warning) runs a
 * full GC and counts the objects whose prototype chain holds `ctor.prototype`.
 * On an older Node a heap snapshot (which also collects first) is counted by
 * constructor name instead.
 */
import v8 from 'node:v8';

type Ctor = abstract new (...args: never[]) => unknown;
type QueryObjects = (ctor: Ctor, options: { format: 'count' }) => number;

/** How many objects made by `ctor` (or a subclass) are alive, after a full GC. */
export async function liveInstances(ctor: Ctor): Promise<number> {
  const query = (v8 as unknown as { queryObjects?: QueryObjects }).queryObjects;
  if (typeof query === 'function') return query(ctor, { format: 'count' });
  return countInSnapshot(ctor.name);
}

/**
 * How many of Node's timer lists exist (one per timer duration in use: the
 * `timerListMap` of lib/internal/timers.js, not reachable from JavaScript).
 * An empty list Node failed to delete is counted until its expiry, which is
 * what src/cancel-timer.ts is about.
 */
export async function liveTimerLists(): Promise<number> {
  return liveInstances(timersListClass());
}

let timersList: Ctor | undefined;

/**
 * Node's internal TimersList class, taken from a timer: the first timer of a
 * duration is linked to its list's head, which is the list itself. A duration
 * no other timer uses, and a ref'd timer, so clearing it deletes the list.
 */
function timersListClass(): Ctor {
  if (timersList) return timersList;
  const probe = setTimeout(() => {}, 2 ** 31 - 7);
  const head = (probe as unknown as { _idlePrev?: { constructor?: Ctor } })._idlePrev;
  clearTimeout(probe);
  if (typeof head?.constructor !== 'function' || head.constructor.name !== 'TimersList') {
    throw new Error('this Node keeps its timers differently: no TimersList found behind a timer (test/support/live-objects.ts)');
  }
  timersList = head.constructor;
  return timersList;
}

async function countInSnapshot(constructorName: string): Promise<number> {
  const chunks: string[] = [];
  for await (const chunk of v8.getHeapSnapshot().setEncoding('utf8')) chunks.push(chunk as string);
  const snap = JSON.parse(chunks.join('')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const iType = fields.indexOf('type');
  const iName = fields.indexOf('name');
  let count = 0;
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    if (types[snap.nodes[i + iType]!] === 'object' && snap.strings[snap.nodes[i + iName]!] === constructorName) count++;
  }
  return count;
}
