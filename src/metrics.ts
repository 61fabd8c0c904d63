import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Stores } from './store/types.js';
import type { Broker } from './websocket/broker.js';
import type { Manager } from './websocket/manager.js';
import type { LabelledCounts } from './websocket/traffic.js';
import type { MessagePersister } from './websocket/message-persister.js';
import { boundMethods } from './bound-methods.js';

/** What a broker that talks to a server (RedisBroker) reports about that link. */
interface ObservableBroker {
  readonly status: string;
  readonly droppedPublishes: number;
}

function isObservable(broker: Broker | undefined): broker is Broker & ObservableBroker {
  const b = broker as Partial<ObservableBroker> | undefined;
  return typeof b?.status === 'string' && typeof b.droppedPublishes === 'number';
}

/**
 * A counter that follows a number someone else keeps (always growing),
 * read when scraped: nothing is added where that number is counted.
 */
function monotonicCounter(registry: Registry, name: string, help: string, read: () => number | undefined): void {
  let counted = 0;
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const now = read() ?? counted;
      if (now > counted) this.inc(now - counted);
      counted = now;
    },
  });
}

/** The same for counts by label (LabelledCounts): each label's total is followed on scrape. */
function labelledCounter(registry: Registry, name: string, help: string, labelName: string, counts: LabelledCounts): void {
  const counted = new Map<string, number>();
  new Counter({
    name,
    help,
    labelNames: [labelName],
    registers: [registry],
    collect() {
      for (const [label, now] of counts.entries()) {
        const before = counted.get(label) ?? 0;
        if (now > before) this.inc({ [labelName]: label }, now - before);
        counted.set(label, now);
      }
    },
  });
}

/**
 * prom-client's Node process metrics (`parlor_process_*`, `parlor_nodejs_*`),
 * collected once per process, when the first Parlor that wants them is
 * created. They describe the process, not a Parlor, and collecting them
 * starts what nothing can stop: a PerformanceObserver for GC entries and an
 * event-loop-delay monitor, which hold their metrics and so the registry
 * they were registered in. Collected per Parlor, each closed Parlor stayed
 * alive whole (registry, gauges' collect functions, Manager).
 */
let processMetrics: Registry | undefined;

function processMetricsRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics, prefix: 'parlor_' });
  }
  return processMetrics;
}

/**
 * One Prometheus registry per Parlor instance: two mounts never share
 * counters. With process metrics, it starts as a merge of the process's
 * registry: the same metric objects, listed in this registry too, so they
 * appear in this Parlor's `/metrics` (and `parlor.metrics`) beside its own,
 * while nothing of the process's keeps this registry alive.
 */
export function createRegistry(withProcessMetrics = true): Registry {
  return withProcessMetrics ? Registry.merge([processMetricsRegistry()]) : new Registry();
}

const STORE_WRITES = ['savePrivate', 'saveGroup', 'saveNotification'] as const;

/**
 * The persister, with its writes timed into `parlor_store_write_seconds{op}`:
 * what an ack waits for (group commit and fsync included). Reads and the
 * optional methods pass through untouched.
 */
export function timeStoreWrites(persister: MessagePersister, registry: Registry): MessagePersister {
  const histogram = new Histogram({
    name: 'parlor_store_write_seconds',
    help: 'Time from handing a message or notification to the store until it is durably stored (what an ack waits for)',
    labelNames: ['op'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  // Plain and bound: a persister class with #private fields works through it (bound-methods.ts).
  const timed = boundMethods(persister);
  for (const op of STORE_WRITES) {
    const write = timed[op]!;
    const observe = histogram.labels({ op });
    // The caller awaits the store's own promise: timing it adds no promise hop before the ack.
    timed[op] = (...args: unknown[]) => {
      const started = performance.now();
      const done = (): void => observe.observe((performance.now() - started) / 1000);
      const result = write(...args);
      if (result instanceof Promise) result.then(done, done);
      else done();
      return result;
    };
  }
  return timed as unknown as MessagePersister;
}

/**
 * Counters and gauges of the Manager, read when scraped from the numbers it
 * keeps (Manager.traffic); only the fan-out histogram observes each envelope.
 */
export function observeManager(registry: Registry, manager: Manager, broker?: Broker): void {
  new Gauge({
    name: 'parlor_ws_connections',
    help: 'Open WebSocket connections on this instance',
    registers: [registry],
    collect() {
      this.set(manager.connectionCount);
    },
  });
  new Gauge({
    name: 'parlor_online_users',
    help: 'Users with at least one open connection on this instance',
    registers: [registry],
    collect() {
      this.set(manager.onlineUsers().length);
    },
  });
  labelledCounter(registry, 'parlor_ws_frames_received_total', 'Valid client frames received, by type (refused and malformed frames are counted by their error in parlor_ws_errors_sent_total)', 'type', manager.traffic.received);
  labelledCounter(registry, 'parlor_ws_errors_sent_total', 'error frames sent, by code', 'code', manager.traffic.errors);
  if (isObservable(broker)) {
    new Gauge({
      name: 'parlor_broker_connected',
      help: '1 while the broker (Redis) is connected and subscribed, else 0: cross-instance delivery is off',
      registers: [registry],
      collect() {
        this.set(broker.status === 'ready' ? 1 : 0);
      },
    });
    monotonicCounter(
      registry,
      'parlor_broker_dropped_publishes_total',
      'Frames delivered to this instance only because the broker (Redis) was unreachable; remote recipients recover them with sync',
      () => broker.droppedPublishes,
    );
  }
  labelledCounter(registry, 'parlor_ws_frames_sent_total', 'Frames written to client connections by this instance, by type (a fan-out to N connections counts N)', 'type', manager.traffic.sent);
  const fanOut = new Histogram({
    name: 'parlor_fanout_seconds',
    help: 'Time to write one routed frame to every recipient connection on this instance',
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05],
    registers: [registry],
  });
  monotonicCounter(registry, 'parlor_user_cache_hits_total', 'Recipient checks answered from the cache of ids the UserDirectory confirmed', () => manager.users.stats.hits);
  monotonicCounter(registry, 'parlor_user_cache_misses_total', 'Recipient checks not answered from the cache: they asked the UserDirectory (the host, or Parlor\'s accounts) or joined a lookup under way', () => manager.users.stats.misses);
  if (manager.groupCache) {
    const cache = manager.groupCache;
    monotonicCounter(registry, 'parlor_host_group_cache_hits_total', "Group member lookups answered from the cache of the host's GroupMemberFetcher", () => cache.stats.hits);
    monotonicCounter(registry, 'parlor_host_group_cache_misses_total', "Group member lookups that asked the host's GroupMemberFetcher (or joined a lookup under way)", () => cache.stats.misses);
  }
  manager.traffic.onFanOut = (seconds) => fanOut.observe(seconds);
}

/**
 * The store's group-commit queue and membership cache, read when scraped
 * (nothing on the message path). Stores without `health()` add nothing.
 */
export function observeStores(registry: Registry, stores: Pick<Stores, 'health'>): void {
  const health = stores.health?.bind(stores);
  if (!health) return;
  new Gauge({
    name: 'parlor_store_writes_pending',
    help: 'Writes handed to the store and not yet committed (SQLite: all writes; PostgreSQL: message inserts)',
    registers: [registry],
    collect() {
      this.set(health().writes.pending);
    },
  });
  monotonicCounter(registry, 'parlor_store_write_transactions_total', 'Group-commit transactions that committed', () => health().writes.batches);
  monotonicCounter(registry, 'parlor_store_writes_committed_total', 'Batched writes that committed', () => health().writes.committed);
  monotonicCounter(registry, 'parlor_store_writes_failed_total', 'Batched writes that failed (their caller got the error; nothing of them stored)', () => health().writes.failed);
  if (!health().membershipCache) return;
  new Gauge({
    name: 'parlor_membership_cache_enabled',
    help: '1 while the group membership cache is in use; 0 on PostgreSQL while membership changes cannot be heard (LISTEN down)',
    registers: [registry],
    collect() {
      this.set(health().membershipCache?.enabled ? 1 : 0);
    },
  });
  monotonicCounter(registry, 'parlor_membership_cache_hits_total', 'Group member lookups answered from memory', () => health().membershipCache?.hits);
  monotonicCounter(registry, 'parlor_membership_cache_misses_total', 'Group member lookups that read the store', () => health().membershipCache?.misses);
}
