// A load process: a separate Node process that holds the client connections
// and runs the scenarios, commanded by bench/run.mjs over IPC.
//
//   parent -> {id, cmd, ...args}      load -> {id, ok: true, result} | {id, ok: false, error}
//
// It exits when the parent goes away (IPC disconnect), so it never outlives it.

import { mapLimit } from './lib/pool.mjs';
import { runGroup } from './scenarios/group.mjs';
import { runPrivate } from './scenarios/private.mjs';
import { runReads } from './scenarios/reads.mjs';

const adapters = new Map(); // target -> adapter
const sets = new Map(); // `${target}/${set}` -> clients[]

const commands = {
  /** `adapter`: the module under bench/adapters/ (default: the target's name), so two instances of one server are two targets. */
  async init({ target, url, adapter: module = target }) {
    const mod = await import(`./adapters/${module}.mjs`);
    adapters.set(target, mod.createAdapter({ url }));
    return { target };
  },

  prepareUsers({ target, count }) {
    return adapter(target).prepareUsers(count);
  },

  /** Makes the private pairs contacts where the target has message requests (Parlor); a no-op elsewhere. */
  acceptPairs({ target, users }) {
    return adapter(target).acceptPairs?.(users);
  },

  createGroup({ target, users }) {
    return adapter(target).createGroup(users);
  },

  /**
   * Opens one connection per entry of `users` (a user may appear many times),
   * through the target named by the user's `via` if it has one (a scale-out
   * run spreads one set over several instances), else through `target`.
   * `source` {addresses, firstPort, offset}: connection i binds
   * addresses[g % n] : firstPort + floor(g / n), g = offset + i (see run.mjs).
   */
  async connect({ target, set, users, source, concurrency = 256, tolerateFailures = false }) {
    const clients = [];
    let failed = 0;
    let firstError;
    const t0 = performance.now();
    await mapLimit(users, concurrency, async (user, i) => {
      const bind = source ? sourceOf(source, i) : {};
      try {
        clients[i] = await adapter(user.via ?? target).connect(user, bind);
      } catch (err) {
        failed++;
        firstError ??= String(err?.message ?? err);
        if (!tolerateFailures) throw err;
      }
    });
    const ms = performance.now() - t0;
    sets.set(`${target}/${set}`, clients.filter(Boolean));
    return { opened: users.length - failed, failed, ms, firstError };
  },

  /** How many of a set's connections are still open (idle connections must survive the settle time). */
  countOpen({ target, set }) {
    return (sets.get(`${target}/${set}`) ?? []).filter((c) => c.isOpen).length;
  },

  runPrivate({ target, set, opts }) {
    const clients = clientsOf(target, set);
    const pairs = [];
    for (let i = 0; i + 1 < clients.length; i += 2) pairs.push({ sender: clients[i], recipient: clients[i + 1] });
    return runPrivate(pairs, opts);
  },

  runGroup({ target, set, groupId, opts }) {
    return runGroup(clientsOf(target, set), groupId, opts);
  },

  /** The expensive-reads scenario (Parlor only): `users` loop over HTTP reads with their cookies. */
  runReads({ users, opts }) {
    return runReads(users, opts);
  },

  async closeSet({ target, set }) {
    const key = `${target}/${set}`;
    const clients = sets.get(key) ?? [];
    sets.delete(key);
    await mapLimit(clients, 512, (c) => c.close());
    return { closed: clients.length };
  },

  memory() {
    return process.memoryUsage();
  },
};

function sourceOf({ addresses, firstPort, offset = 0 }, i) {
  const g = offset + i;
  return { localAddress: addresses[g % addresses.length], localPort: firstPort + Math.floor(g / addresses.length) };
}

function adapter(target) {
  const a = adapters.get(target);
  if (!a) throw new Error(`load process: target ${target} not initialised`);
  return a;
}

function clientsOf(target, set) {
  const clients = sets.get(`${target}/${set}`);
  if (!clients) throw new Error(`load process: no connection set ${target}/${set}`);
  return clients;
}

process.on('disconnect', () => process.exit(0));
process.on('message', async (msg) => {
  const fn = commands[msg?.cmd];
  try {
    if (!fn) throw new Error(`unknown command ${msg?.cmd}`);
    const result = await fn(msg);
    process.send({ id: msg.id, ok: true, result });
  } catch (err) {
    process.send({ id: msg.id, ok: false, error: String(err?.stack ?? err) });
  }
});
process.send({ ready: true, pid: process.pid });
