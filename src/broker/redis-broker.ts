/**
 * Cross-instance delivery and presence over Redis (ioredis).
 *
 * Two connections: one for PUBLISH and commands, one in subscriber mode. An
 * instance subscribes to `<prefix>:u:<id>` while it holds a connection of
 * user `id`, and to `<prefix>:all`; so it receives the frames of its own
 * users and broadcasts, never the whole cluster's traffic. Every envelope is
 * first delivered to this process's connections, then published once per
 * target user; the publisher ignores its own echo. The PUBLISH commands of
 * one event-loop turn leave together, as one pipeline (one socket write),
 * in the order they were asked for. Redis down: local delivery
 * goes on, remote delivery is dropped (clients catch up with `sync`), nothing
 * queues, and both connections come back and resubscribe by themselves; the
 * Manager then closes its sockets with 1012 within `resyncWindowMs`, so their
 * clients sync what this instance's subscriber missed.
 * Disconnect orders (logout, revocation) go on one more channel that every
 * instance subscribes to; one missed during an outage is made up for by the
 * session re-check (cookie sockets) and the token's expiry (token sockets).
 * Cache invalidations (`parlor.invalidateUser` / `invalidateGroup`) have a
 * channel of their own, subscribed by every instance the same way.
 */
import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { silentLogger, type Logger } from '../logger.js';
import type { Broker, Envelope } from '../websocket/broker.js';
import { DEFAULT_RESYNC_WINDOW_MS, type BrokerGap } from '../websocket/broker-gap.js';
import type { CacheInvalidation } from '../websocket/cache-invalidation.js';
import type { DisconnectOrder } from '../websocket/disconnect-order.js';
import {
  RedisNames,
  decodeWire,
  disconnectMessages,
  encodeWire,
  envelopeFromWire,
  invalidationMessages,
  wireOriginHead,
  type ControlMessages,
} from './channels.js';
import { isNoAnswer, RedisLiveness } from './redis-liveness.js';
import { RedisPresence } from './redis-presence.js';
import { RedisRateLimitStore } from './redis-rate-limit-store.js';
import { withLoggableErrors } from '../loggable-error.js';
import { MAX_TIMER_MS, TIMER_TOO_LONG } from '../timer-limit.js';

export interface RedisBrokerOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://` for TLS. Default `redis://127.0.0.1:6379`. */
  url?: string;
  /** Extra ioredis options for both connections (TLS, Sentinel, `retryStrategy`...). Queueing options are set by the broker. */
  redis?: RedisOptions;
  /** Prefix of every key and channel. Default `parlor`. Instances sharing a prefix form one cluster. */
  prefix?: string;
  /** This instance's id in Redis. Default: a random UUID per process. */
  instanceId?: string;
  /** Heartbeat TTL: an instance silent this long is dead. Default 15000. */
  presenceTtlMs?: number;
  /** Heartbeat refresh period. Default `presenceTtlMs / 3`. */
  heartbeatIntervalMs?: number;
  /** How often survivors look for dead instances. Default 5000. A dead instance's users go offline within `presenceTtlMs + sweepIntervalMs`. */
  sweepIntervalMs?: number;
  /**
   * After the subscriber connection was lost and is back, frames published meanwhile for this instance's users
   * never arrived: the Manager closes every local socket with 1012 (reconnect and `sync`), each at a random
   * moment within this many milliseconds, so the clients do not all reconnect at once. Default 5000.
   */
  resyncWindowMs?: number;
  /** Largest number of channels per SUBSCRIBE when resubscribing. Default 1000. */
  subscribeBatch?: number;
  /**
   * How long any Redis command may wait for its answer (ioredis `commandTimeout`). Default 2000. A Redis
   * that stops answering while its connection stays open (a partition) is then noticed: the broker drops
   * both connections and reconnects, delivering to local connections only until Redis answers again.
   * So publishes wait at most this long, and shutdown, `GET /api/users/online` and presence never hang.
   */
  commandTimeoutMs?: number;
  logger?: Logger;
}

const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

type Resolved = Required<Omit<RedisBrokerOptions, 'redis' | 'logger'>> &
  Pick<RedisBrokerOptions, 'redis'> & {
    logger: Logger;
    /** The logical database both connections select (databaseOf). */
    database: number;
  };

/** Defaults merged in one place; values that cannot work throw here, at construction. */
function resolveRedisBrokerOptions(options: RedisBrokerOptions = {}): Resolved {
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as RedisBrokerOptions;
  const ttl = defined.presenceTtlMs ?? 15_000;
  const o: Omit<Resolved, 'database'> = {
    url: DEFAULT_REDIS_URL,
    prefix: 'parlor',
    instanceId: randomUUID(),
    presenceTtlMs: ttl,
    heartbeatIntervalMs: Math.max(1, Math.floor(ttl / 3)),
    sweepIntervalMs: 5_000,
    resyncWindowMs: DEFAULT_RESYNC_WINDOW_MS,
    subscribeBatch: 1000,
    commandTimeoutMs: 2000,
    logger: silentLogger,
    ...defined,
  };
  for (const key of ['presenceTtlMs', 'heartbeatIntervalMs', 'sweepIntervalMs', 'resyncWindowMs', 'subscribeBatch', 'commandTimeoutMs'] as const) {
    if (!Number.isSafeInteger(o[key]) || o[key] <= 0) throw new TypeError(`RedisBroker option ${key} must be a positive integer, got ${String(o[key])}`);
  }
  // Timer delays (past MAX_TIMER_MS Node fires at once). The TTL bounds the heartbeat, which must be shorter (below).
  for (const key of ['presenceTtlMs', 'sweepIntervalMs', 'resyncWindowMs', 'commandTimeoutMs'] as const) {
    if (o[key] > MAX_TIMER_MS) throw new TypeError(`RedisBroker option ${key} ${TIMER_TOO_LONG}`);
  }
  if (o.heartbeatIntervalMs >= o.presenceTtlMs) {
    throw new TypeError('RedisBroker option heartbeatIntervalMs must be shorter than presenceTtlMs, or a live instance would expire');
  }
  // Not the URL itself in the message, nor the parser's error as a cause (its `input` is the whole URL): it may hold a
  // password, and a startup error is logged.
  if (!isRedisUrl(o.url)) throw new TypeError('RedisBroker option url must start with redis:// or rediss://');
  if (!URL.canParse(o.url)) {
    throw new TypeError('RedisBroker option url is not a URL (percent-encode / # ? @ and spaces in the user name and password)');
  }
  if (!/^[\w.:-]{1,128}$/.test(o.instanceId)) throw new TypeError('RedisBroker option instanceId must be 1-128 of [A-Za-z0-9_.:-]');
  return { ...o, database: databaseOf(o.url, o.redis) };
}

/**
 * The logical database the connections select, as ioredis decides it: the URL's `/db` when it has one, else
 * the `db` option, else 0. Throws for one that is not a whole number (ioredis would select NaN).
 */
export function databaseOf(url: string, redis: RedisOptions | undefined): number {
  const path = new URL(url).pathname.slice(1);
  const db = path === '' ? (redis?.db ?? 0) : /^\d+$/.test(path) ? Number(path) : NaN;
  if (!Number.isSafeInteger(db) || db < 0) throw new TypeError('RedisBroker: the database number (the /db of url, else the redis option db) must be a whole number');
  return db;
}

/** Whether `url` names a Redis server the way the broker connects to one: `redis://` or, for TLS, `rediss://` (REDIS_URL too). */
export function isRedisUrl(url: string): boolean {
  return /^redis(s)?:\/\//.test(url);
}

/** `redis://host:port` without credentials, for logs. */
export function describeRedisUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.hostname}:${u.port || '6379'}`;
}

export type RedisBrokerStatus = 'connecting' | 'ready' | 'down' | 'closed';

export class RedisBroker implements Broker {
  readonly instanceId: string;
  /** The server, without credentials: `redis://host:port`. */
  readonly description: string;
  readonly names: RedisNames;
  private readonly options: Resolved;
  /**
   * ioredis puts a failed command on its errors, arguments and all (an
   * `AUTH`'s password, a `PUBLISH`'s payload): every line goes through
   * withLoggableErrors, which keeps the command's name and none of them.
   */
  private readonly log: Logger;
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly presence: RedisPresence;
  /** The head of this instance's own envelopes: its echo is dropped on sight, unparsed. */
  private readonly echoHead: string;
  /** Channels this instance wants; resubscribed in full on every (re)connect of the subscriber. */
  private readonly channels = new Set<string>();
  private deliver: (envelope: Envelope) => void = () => {};
  private onDisconnect: (order: DisconnectOrder) => void = () => {};
  private onInvalidation: (invalidation: CacheInvalidation) => void = () => {};
  private onResubscribed: (gap: BrokerGap) => void = () => {};
  /** Subscribed once already: a later subscribe follows a lost subscription. */
  private everSubscribed = false;
  private subscribed = false;
  private everReady = false;
  private down = false;
  private closed = false;
  /**
   * Redis refused to SELECT `database` (a number past its `databases`): ioredis only emits that as an
   * error and goes on in database 0, where another deployment's keys may be. Fatal: both connections
   * are dropped for good before any key command, and waitUntilReady rejects with this error.
   */
  private refusal: Error | null = null;
  /** PUBLISH commands asked for in this event-loop turn, sent together by flush(). */
  private outgoing: Outgoing[] = [];
  private flushScheduled = false;
  private readonly liveness: RedisLiveness;
  /** Envelopes that reached only local connections because Redis was unreachable (observability). */
  droppedPublishes = 0;

  constructor(options: RedisBrokerOptions = {}) {
    this.options = resolveRedisBrokerOptions(options);
    this.log = withLoggableErrors(this.options.logger);
    this.instanceId = this.options.instanceId;
    this.description = describeRedisUrl(this.options.url);
    // The database goes into the channel names: pub/sub is not scoped by it (RedisNames).
    this.names = new RedisNames(this.options.prefix, this.options.database);
    this.echoHead = wireOriginHead(this.instanceId);

    // Fail fast instead of queueing: no offline queue, and commands in flight when the
    // connection drops are rejected at once rather than resent later (no late duplicates).
    const common: RedisOptions = {
      ...this.options.redis,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: this.options.commandTimeoutMs,
      // A connection dropped for silence is closed with a FIN the silent peer may never answer: destroyed after this
      // (ioredis's default is 2 s), which is also when the commands it still held are failed and let go.
      disconnectTimeout: this.options.commandTimeoutMs,
    };
    this.pub = new Redis(this.options.url, { ...common, connectionName: `parlor-${this.instanceId}-pub` });
    // ioredis would resubscribe by itself (autoResubscribe), but only to channels confirmed before the
    // drop, and subscribe/unsubscribe calls made while down would be lost or queued without bound.
    // The broker keeps the wanted set itself and subscribes to all of it on every 'ready'.
    this.sub = new Redis(this.options.url, { ...common, autoResubscribe: false, connectionName: `parlor-${this.instanceId}-sub` });

    this.presence = new RedisPresence(
      this.pub,
      this.names,
      this.instanceId,
      { ttlMs: this.options.presenceTtlMs, heartbeatIntervalMs: this.options.heartbeatIntervalMs, sweepIntervalMs: this.options.sweepIntervalMs },
      this.log,
    );
    this.channels.add(this.names.allChannel);
    this.channels.add(this.names.disconnectChannel);
    this.channels.add(this.names.invalidateChannel);
    this.watch(this.pub, 'publisher');
    this.watch(this.sub, 'subscriber');
    // Nothing runs on connections whose SELECT was refused: its answer comes before 'ready' (ioredis sends SELECT first).
    this.pub.on('ready', () => {
      if (!this.refusal) this.presence.onReady();
    });
    this.sub.on('ready', () => {
      if (!this.refusal) void this.resubscribe();
    });
    this.sub.on('close', () => (this.subscribed = false));
    this.sub.on('message', (channel: string, message: string) => this.onMessage(channel, message));
    this.presence.start();
    this.liveness = new RedisLiveness(
      [
        { conn: this.pub, role: 'publisher' },
        { conn: this.sub, role: 'subscriber' },
      ],
      (role, err) => this.silent(role, err),
    );
    this.liveness.start(this.options.heartbeatIntervalMs);
  }

  /** `ready`: both connections up and every wanted channel subscribed. `down`: lost after having been ready. */
  get status(): RedisBrokerStatus {
    if (this.closed) return 'closed';
    if (this.pub.status === 'ready' && this.sub.status === 'ready' && this.subscribed) return 'ready';
    return this.down || this.everReady ? 'down' : 'connecting';
  }

  /** The refusal of REDIS_URL's database (see `refusal`), or null: such a broker never connects. */
  get refused(): Error | null {
    return this.refusal;
  }

  /** Resolves once `status` is `ready` (for start-up logs and tests); rejects after `timeoutMs`, or with the database's refusal. */
  async waitUntilReady(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.status !== 'ready') {
      if (this.refusal) throw this.refusal;
      if (this.closed) throw new Error('RedisBroker is closed');
      if (Date.now() > deadline) throw new Error(`Redis at ${this.description} not ready within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * A rate-limit store shared by every instance on this Redis (on the command
   * connection, so it fails fast while Redis is down): `AUTH_RATE_LIMIT` for
   * the cluster, not per process.
   */
  rateLimitStore(name: string): RedisRateLimitStore {
    return new RedisRateLimitStore(this.pub, this.names.rateLimitHead(name), this.log);
  }

  // ---- Broker ------------------------------------------------------------

  setDeliver(deliver: (envelope: Envelope) => void): void {
    this.deliver = deliver;
  }

  setPresenceHandler(handler: (userId: number, online: boolean) => void | Promise<void>): void {
    this.presence.setHandler(handler);
  }

  /**
   * Delivers to this process's connections at once, then publishes for the
   * others: once per target user (a pipeline for groups), or once on the
   * `all` channel. Never rejects.
   */
  publish(envelope: Envelope): Promise<void> | void {
    this.deliverHere(envelope);
    if (this.closed) return;
    if (this.pub.status !== 'ready') {
      this.droppedPublishes++;
      return;
    }
    const wire = encodeWire(this.instanceId, envelope);
    if (envelope.all) return this.send([this.names.allChannel], wire);
    const users = envelope.users ?? []; // each user once (Manager.publish)
    if (users.length === 0) return;
    return this.send(
      users.map((u) => this.names.userChannel(u)),
      wire,
    );
  }

  setDisconnectHandler(handler: (order: DisconnectOrder) => void): void {
    this.onDisconnect = handler;
  }

  /** Publishes the order for the other instances (this one has acted on it already). Never rejects. */
  publishDisconnect(order: DisconnectOrder): Promise<void> | void {
    return this.publishControl(
      this.names.disconnectChannel,
      disconnectMessages.encode(this.instanceId, order),
      'redis: a disconnect order reached local connections only; other instances catch up by re-checking sessions',
    );
  }

  /** `handler` gets the window within which the local sockets are closed for a resync (`resyncWindowMs`). */
  setResubscribedHandler(handler: (gap: BrokerGap) => void): void {
    this.onResubscribed = handler;
  }

  setInvalidationHandler(handler: (invalidation: CacheInvalidation) => void): void {
    this.onInvalidation = handler;
  }

  /**
   * Publishes the invalidation for the other instances (this one has applied
   * it already). Never rejects. While Redis is down the others keep their
   * entry: the host calls again once it is back (docs/scaling.md).
   */
  publishInvalidation(invalidation: CacheInvalidation): Promise<void> | void {
    return this.publishControl(
      this.names.invalidateChannel,
      invalidationMessages.encode(this.instanceId, invalidation),
      'redis: a cache invalidation reached this instance only',
      invalidation,
    );
  }

  /** A control message for every other instance, through the same pipeline as frames. While Redis is down: counted, logged, dropped. */
  private publishControl(channel: string, message: string, whenDown: string, context: object = {}): Promise<void> | void {
    if (this.closed) return;
    if (this.pub.status !== 'ready') {
      this.droppedPublishes++;
      this.log.warn(context, whenDown);
      return;
    }
    return this.send([channel], message);
  }

  /**
   * Subscribes to the user's channel, then records presence. Called as the
   * user's first connection here is added (Presence asks at once, not behind
   * the user's announcements), so the SUBSCRIBE leaves in the turn the socket
   * is welcomed: the gap at connect time is one round trip, also when the
   * user's last socket here has just closed (Redis applies that UNSUBSCRIBE
   * and this SUBSCRIBE in order, on one connection). Both commands go out
   * before any await, so a quick offline for the same user is ordered after
   * them. Resolves once the subscription is confirmed: a contact told
   * "online" can reach the user.
   */
  async userOnline(userId: number): Promise<boolean> {
    const subscribed = this.subscribe(this.names.userChannel(userId));
    const online = this.presence.userOnline(userId);
    await subscribed;
    return online;
  }

  /** Unsubscribes from the user's channel and records presence, as the user's last connection here is removed. */
  async userOffline(userId: number): Promise<boolean> {
    this.unsubscribe(this.names.userChannel(userId));
    return this.presence.userOffline(userId);
  }

  onlineAmong(userIds: readonly number[]): Promise<number[]> {
    return this.presence.onlineAmong(userIds);
  }

  /**
   * Graceful stop: removes this instance's heartbeat key (a survivor sweeps its
   * users within `sweepIntervalMs`; a user who reconnects to another instance
   * meanwhile never shows offline), then closes both connections.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.liveness.stop();
    await this.flush(); // what was published before close() goes out
    await this.presence.leave();
    this.closed = true;
    await Promise.all([quit(this.pub), quit(this.sub)]);
  }

  /**
   * Drops both connections at once without telling Redis anything, exactly as
   * a crashed process would: survivors announce its users offline within
   * `presenceTtlMs + sweepIntervalMs`. For fault drills and tests.
   */
  destroy(): void {
    this.closed = true;
    this.liveness.stop();
    this.presence.stop();
    this.pub.disconnect();
    this.sub.disconnect();
  }

  // ---- internals -----------------------------------------------------------

  private deliverHere(envelope: Envelope): void {
    try {
      this.deliver(envelope);
    } catch (err) {
      this.log.error({ err, type: envelope.type }, 'local delivery failed');
    }
    if (envelope.type === 'presence') {
      const state = presenceStateOf(envelope.raw);
      if (state) this.presence.relayed(state.userId, state.online);
    }
  }

  private onMessage(channel: string, message: string): void {
    if (channel === this.names.disconnectChannel) return this.onControl(channel, message, disconnectMessages, this.onDisconnect);
    if (channel === this.names.invalidateChannel) return this.onControl(channel, message, invalidationMessages, this.onInvalidation);
    if (message.startsWith(this.echoHead)) return; // already delivered locally before publishing
    const wire = decodeWire(message);
    if (!wire) {
      this.log.warn({ channel }, 'redis: ignored a message that is not a Parlor envelope');
      return;
    }
    if (wire.o === this.instanceId) return; // already delivered locally before publishing
    if (channel === this.names.allChannel) return this.deliverHere(envelopeFromWire(wire, 'all'));
    const userId = this.names.userOfChannel(channel);
    if (userId !== undefined) this.deliverHere(envelopeFromWire(wire, { userId }));
  }

  /** A control message from another instance (its own echo is skipped: it acted before publishing). */
  private onControl<T>(channel: string, message: string, kind: ControlMessages<T>, handle: (body: T) => void): void {
    const wire = kind.decode(message);
    if (!wire) {
      this.log.warn({ channel }, `redis: ignored a message that is not a Parlor ${kind.name}`);
      return;
    }
    if (wire.origin === this.instanceId) return;
    try {
      handle(wire.body);
    } catch (err) {
      this.log.error({ err }, `${kind.name} failed`);
    }
  }

  private async subscribe(channel: string): Promise<void> {
    this.channels.add(channel);
    if (this.sub.status !== 'ready') return; // subscribed with everything else on 'ready'
    try {
      await this.sub.subscribe(channel);
    } catch (err) {
      this.log.debug({ err, channel }, 'redis: subscribe failed; retried on reconnect');
    }
  }

  private unsubscribe(channel: string): void {
    this.channels.delete(channel);
    if (this.sub.status !== 'ready') return; // a new connection starts with no subscriptions
    this.sub.unsubscribe(channel).catch((err: unknown) => this.log.debug({ err, channel }, 'redis: unsubscribe failed'));
  }

  private async resubscribe(): Promise<void> {
    const all = [...this.channels];
    try {
      for (let i = 0; i < all.length; i += this.options.subscribeBatch) {
        const batch = all.slice(i, i + this.options.subscribeBatch);
        await this.sub.subscribe(...batch);
        // A user whose last connection closed while this batch waited its turn was unsubscribed before it went out:
        // undo that part of the batch, or the instance would hear that user's frames until its next reconnect.
        const gone = batch.filter((channel) => !this.channels.has(channel));
        if (gone.length > 0) await this.sub.unsubscribe(...gone);
      }
      this.subscribed = true;
      this.log.info({ redis: this.description, channels: all.length }, 'redis: subscribed');
      if (this.everSubscribed) this.onResubscribed({ resyncWindowMs: this.options.resyncWindowMs });
      this.everSubscribed = true;
    } catch (err) {
      this.log.warn({ err }, 'redis: resubscribing failed; retried on reconnect');
    }
  }

  /**
   * A command got no answer within `commandTimeoutMs` while the connection
   * stayed open: Redis stopped answering. Both connections are dropped and
   * reconnect (a partition cuts both), so `status` is `down`, publishes are
   * dropped at once rather than each waiting, and presence answers for this
   * instance, until Redis answers a new connection's handshake.
   */
  private silent(role: string, err: unknown): void {
    if (this.closed || (this.pub.status !== 'ready' && this.sub.status !== 'ready')) return;
    this.log.warn({ err, role, redis: this.description }, `redis: no answer within ${this.options.commandTimeoutMs} ms; reconnecting`);
    this.pub.disconnect(true);
    this.sub.disconnect(true);
  }

  /**
   * A refused SELECT (see `refusal`): logged once at error, naming the database; both connections
   * closed without reconnecting (each reconnect would select, and fail, again).
   */
  private refuseDatabase(err: Error): void {
    if (this.refusal) return;
    this.refusal = new Error(
      `Redis at ${this.description} refused database ${this.options.database}, the /db of REDIS_URL (the broker's url option): ` +
        `SELECT ${this.options.database} answered "${err.message}". Nothing was written; use a database below the server's \`databases\` (16 by default)`,
    );
    this.log.error({ err, redis: this.description, database: this.options.database }, `redis: ${this.refusal.message}`);
    this.pub.disconnect();
    this.sub.disconnect();
  }

  /** Logs each outage once (not every reconnect attempt), and its end. */
  private watch(conn: Redis, role: string): void {
    conn.on('ready', () => {
      if (this.refusal) return;
      if (this.down) this.log.info({ redis: this.description, role }, 'redis: reconnected');
      this.down = false;
      this.everReady = true;
    });
    conn.on('close', () => {
      if (this.closed || this.down || !this.everReady) return;
      this.down = true;
      this.log.warn({ redis: this.description, role }, 'redis: connection lost; delivering to local connections only until it returns');
    });
    conn.on('error', (err: Error) => {
      if (isRefusedSelect(err)) return this.refuseDatabase(err);
      if (this.refusal) return;
      if (this.down || !this.everReady) this.log.debug({ err, role }, 'redis: connection error');
      else this.log.warn({ err, role }, 'redis: connection error');
    });
  }

  /**
   * Queues one message for `channels` (one envelope or order) for this turn's
   * pipeline; resolves once that pipeline has answered. Never rejects.
   */
  private send(channels: string[], message: string): Promise<void> {
    return new Promise((done) => {
      this.outgoing.push({ channels, message, done });
      if (this.flushScheduled) return;
      this.flushScheduled = true;
      setImmediate(() => void this.flush());
    });
  }

  /**
   * Sends the queued messages as one pipeline, in the order they were queued.
   * A message whose PUBLISH failed (or all of them, when the connection is
   * gone) counts once in `droppedPublishes`: its remote recipients recover
   * with `sync`, as when it was published alone.
   */
  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const batch = this.outgoing;
    this.outgoing = [];
    if (batch.length === 0) return;
    let failures: (unknown | undefined)[];
    if (this.pub.status !== 'ready') {
      failures = batch.map(() => new Error(`redis publisher is ${this.pub.status}`));
    } else {
      const pipeline = this.pub.pipeline();
      for (const { channels, message } of batch) for (const channel of channels) pipeline.publish(channel, message);
      try {
        const results = (await pipeline.exec()) ?? [];
        let k = 0;
        failures = batch.map(({ channels }) => {
          const errs = results.slice(k, (k += channels.length)).map(([err]) => err);
          return errs.find((err) => err) ?? undefined;
        });
      } catch (err) {
        failures = batch.map(() => err);
      }
    }
    const failed = failures.filter((err) => err !== undefined);
    if (failed.length > 0) {
      this.droppedPublishes += failed.length;
      this.log.warn({ err: failed[0], messages: failed.length }, 'redis: publish failed; remote recipients recover with sync');
      const unanswered = failed.find(isNoAnswer);
      if (unanswered) this.silent('publisher', unanswered);
    }
    for (const { done } of batch) done();
  }
}

/** The user and state a `presence` frame states; undefined for anything else. */
function presenceStateOf(raw: string): { userId: number; online: boolean } | undefined {
  try {
    const frame = JSON.parse(raw) as { user_id?: unknown; online?: unknown };
    return typeof frame.user_id === 'number' && typeof frame.online === 'boolean' ? { userId: frame.user_id, online: frame.online } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Redis answered the connection's SELECT with an error (ioredis puts the failed command on its reply
 * errors): a database past its `databases`, or SELECT refused on Redis Cluster. Not NOAUTH: that is
 * the password's failure, which the AUTH before it reports.
 */
function isRefusedSelect(err: Error): boolean {
  return (err as Error & { command?: { name?: unknown } }).command?.name === 'select' && !err.message.startsWith('NOAUTH');
}

/** One envelope or disconnect order waiting for this turn's pipeline. */
interface Outgoing {
  channels: string[];
  message: string;
  done: () => void;
}

/** QUIT when connected (pending replies arrive first), else just stop reconnecting. */
async function quit(conn: Redis): Promise<void> {
  if (conn.status !== 'ready') {
    conn.disconnect();
    return;
  }
  try {
    await conn.quit();
  } catch {
    conn.disconnect();
  }
}
