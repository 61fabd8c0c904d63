/**
 * Micro-benchmark: what the UserDirectory check (src/websocket/known-users.ts)
 * costs on the private-message path, in one process, against the path without
 * it, measured in the same run. Run after `npm run build`:
 *
 *   node bench/user-check.mjs [messages per round, default 100000] [rounds, default 9]
 *
 * The persister is in memory and the recipients are offline, so everything
 * but the Manager's own work is left out: the figures are an upper bound of
 * the check's share (a real store's COMMIT costs far more per message).
 *   baseline   manager.sendPrivate with the check replaced by nothing (users.require patched out)
 *   cached     manager.sendPrivate with a host directory, recipients confirmed (every message a cache hit)
 *   uncached   the same with userCacheSize 0: every message asks the directory (an in-process one: no network)
 * Rounds alternate the order of the variants; medians of CPU ns per message
 * (process.cpuUsage, so other processes on a shared machine count less).
 */
import 'reflect-metadata';
import { Manager } from '../dist/websocket/manager.js';
import { median, ratio } from './lib/stats.mjs';

const PER_ROUND = Number(process.argv[2] ?? 100_000);
const ROUNDS = Number(process.argv[3] ?? 9);
const USERS = 1000;

function persister() {
  let id = 0;
  return {
    savePrivate: async (input) => ({ message: { id: ++id, from: input.from, to: input.to, content: input.content, timestamp: 0 }, duplicate: false }),
    saveGroup: async () => {
      throw new Error('unused');
    },
    saveNotification: async () => {
      throw new Error('unused');
    },
    privateHistory: async () => ({ items: [], hasMore: false }),
    groupHistory: async () => ({ items: [], hasMore: false }),
  };
}

const hostUsers = new Set(Array.from({ length: USERS }, (_, i) => i + 1));
const directory = { existing: async (ids) => ids.filter((id) => hostUsers.has(id)) };
const groups = { acceptedMembers: () => null };
const sessions = { resolve: () => null };
const options = (extra = {}) => ({ heartbeatIntervalMs: 3_600_000, now: () => 0, ...extra });

function variant(name, send) {
  return { name, send, samples: [] };
}

const baselineManager = new Manager(sessions, groups, persister(), options());
// The same path without the check: what sendPrivate costs when nobody is asked.
baselineManager.users.require = () => undefined;
const cachedManager = new Manager(sessions, groups, persister(), options(), undefined, directory);
const uncachedManager = new Manager(sessions, groups, persister(), options({ userCacheSize: 0 }), undefined, directory);

const variants = [
  variant('baseline', (input) => baselineManager.sendPrivate(input)),
  variant('cached', (input) => cachedManager.sendPrivate(input)),
  variant('uncached', (input) => uncachedManager.sendPrivate(input)),
];

/** CPU time of this process (user + system), not wall time: the machine may be shared. */
async function round(v) {
  const started = process.cpuUsage();
  for (let i = 0; i < PER_ROUND; i++) {
    await v.send({ from: (i % USERS) + 1, to: ((i * 7) % USERS) + 1, content: 'hello' });
  }
  const used = process.cpuUsage(started);
  return ((used.user + used.system) * 1000) / PER_ROUND;
}

// Warm-up: every variant once (JIT, and the cached variant confirms its recipients).
for (const v of variants) await round(v);
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? variants : [...variants].reverse();
  for (const v of order) v.samples.push(await round(v));
}
await Promise.all([baselineManager, cachedManager, uncachedManager].map((m) => m.close()));

const base = median(variants[0].samples);
console.log(`UserDirectory check on the private path: ${ROUNDS} rounds x ${PER_ROUND} messages, ${USERS} users, Node ${process.version}`);
console.log('| variant | CPU ns per message (median) | / baseline |');
console.log('| --- | ---: | ---: |');
for (const v of variants) {
  const m = median(v.samples);
  console.log(`| ${v.name} | ${m.toFixed(0)} | ${ratio(m, base).toFixed(3)}x |`);
}
