/**
 * Cluster-wide presence in Redis, with expiry.
 *
 * Each instance keeps a heartbeat key with a TTL and records which users it
 * holds; each user has the set of instances holding them. A user is online
 * while that set is not empty. When an instance dies without cleaning up, its
 * heartbeat expires and a survivor sweeps it: the dead instance leaves every
 * user's set, and the users left with an empty set are announced offline.
 *
 * Every change of a user's set is one Lua script, so "this instance added the
 * first entry / removed the last one" is decided atomically and only one
 * instance ever announces a transition.
 */
import type { ChainableCommander, Redis } from 'ioredis';
import type { RedisNames } from './channels.js';
import type { Logger } from '../logger.js';

// KEYS: instances, instanceUsers, presence. ARGV: instanceId, userId.
// Bit 1 (ONLINE_FIRST): the user thereby came online. Bit 2 (ONLINE_REJOINED): the instance was
// missing from the registry (swept, or Redis lost it): the heartbeat that follows would not notice,
// since this script has put it back, so the caller must reconcile.
const ONLINE = `
local rejoined = redis.call('SADD', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
local first = 0
if redis.call('SADD', KEYS[3], ARGV[1]) == 1 and redis.call('SCARD', KEYS[3]) == 1 then first = 1 end
return first + 2 * rejoined`;
const ONLINE_FIRST = 1;
const ONLINE_REJOINED = 2;

// KEYS: instanceUsers, presence. ARGV: instanceId, userId. 1 when the user thereby went offline.
const OFFLINE = `
redis.call('SREM', KEYS[1], ARGV[2])
if redis.call('SREM', KEYS[2], ARGV[1]) == 1 and redis.call('SCARD', KEYS[2]) == 0 then return 1 end
return 0`;

// KEYS: heartbeat, instanceUsers, instances. ARGV: deadId, presenceHead.
// Does nothing if the instance came back; else removes it and returns the users left with no instance.
const SWEEP = `
if redis.call('EXISTS', KEYS[1]) == 1 then return {} end
local gone = {}
for _, uid in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local key = ARGV[2] .. uid
  if redis.call('SREM', key, ARGV[1]) == 1 and redis.call('SCARD', key) == 0 then table.insert(gone, uid) end
end
redis.call('DEL', KEYS[2])
redis.call('SREM', KEYS[3], ARGV[1])
return gone`;

interface PresenceCommands {
  parlorOnline(instances: string, instanceUsers: string, presence: string, instanceId: string, userId: number): Promise<number>;
  parlorOffline(instanceUsers: string, presence: string, instanceId: string, userId: number): Promise<number>;
  parlorSweep(heartbeat: string, instanceUsers: string, instances: string, deadId: string, presenceHead: string): Promise<string[]>;
}
interface PresencePipeline extends ChainableCommander {
  parlorOnline(instances: string, instanceUsers: string, presence: string, instanceId: string, userId: number): PresencePipeline;
  parlorOffline(instanceUsers: string, presence: string, instanceId: string, userId: number): PresencePipeline;
}
type PresenceRedis = Redis & PresenceCommands;

export interface PresenceTiming {
  /** Heartbeat key TTL: how long a silent instance still counts as alive. */
  ttlMs: number;
  /** How often the heartbeat key is refreshed; well under `ttlMs`. */
  heartbeatIntervalMs: number;
  /** How often each instance looks for dead ones. */
  sweepIntervalMs: number;
}

/** At most this many users are remembered as last relayed online here; past it the oldest is forgotten. */
const MAX_RELAYED_ONLINE = 100_000;

/** Announces a user's state; a promise that rejects when the announcement failed (the contacts could not be read). */
export type PresenceHandler = (userId: number, online: boolean) => void | Promise<void>;

/** Presence for one instance. Uses the broker's command connection; never throws into the caller. */
export class RedisPresence {
  /** Users with at least one connection on this instance: the truth Redis is reconciled to. */
  readonly local = new Set<number>();
  private readonly redis: PresenceRedis;
  private handler: PresenceHandler | undefined;
  /** Users whose change could not reach Redis: their state is re-announced after reconciling. */
  private readonly unsettled = new Set<number>();
  /**
   * Users a reconcile announced: their current state is announced once more at
   * the next beat. A reconcile runs as this instance gets Redis back, and
   * another instance's subscriber may come back later than that; pub/sub keeps
   * nothing for a subscriber that is not there yet, so its clients would never
   * hear of the change. A presence frame is a state, so hearing it twice is harmless.
   */
  private readonly announceAgain = new Set<number>();
  /**
   * Users whose last `presence` frame delivered to this instance's sockets said
   * online (insertion order: the oldest first let go). When Redis loses every
   * record (a restart without persistence), an instance that died meanwhile
   * is in no registry any more: no survivor sweeps it, and its users would
   * look online to their contacts for good. This list is who to ask about then.
   */
  private readonly relayedOnline = new Set<number>();
  /**
   * The users of `relayedOnline` when Redis was found to have lost our records: the ones to re-check one
   * presenceTtlMs later (those still relayed online then). Users relayed online after the loss were announced
   * by a live instance from Redis's state after it, and a survivor sweeps that instance if it dies.
   */
  private readonly recheckUsers = new Set<number>();
  /** A re-check of `recheckUsers` is due. */
  private recheckTimer: NodeJS.Timeout | undefined;
  /** Redis may disagree with `local` (a failed write, a restart, being swept): reconcile at the next beat. */
  private dirty = true;
  private reconciling: Promise<void> | undefined;
  private sweeping = false;
  /** The sweep at start has run (or is running): see sweepAtStart. */
  private sweptAtStart = false;
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;

  constructor(
    redis: Redis,
    private readonly names: RedisNames,
    readonly instanceId: string,
    private readonly timing: PresenceTiming,
    private readonly log: Logger,
  ) {
    redis.defineCommand('parlorOnline', { numberOfKeys: 3, lua: ONLINE });
    redis.defineCommand('parlorOffline', { numberOfKeys: 2, lua: OFFLINE });
    redis.defineCommand('parlorSweep', { numberOfKeys: 3, lua: SWEEP });
    this.redis = redis as PresenceRedis;
  }

  /** The Manager's announcer; sweeping starts only once someone can announce what it finds. */
  setHandler(handler: PresenceHandler): void {
    this.handler = handler;
    this.sweepAtStart();
  }

  start(): void {
    const every = (ms: number, fn: () => Promise<void>) => {
      const t = setInterval(() => void fn(), ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.timing.heartbeatIntervalMs, () => this.beat());
    every(this.timing.sweepIntervalMs, () => this.sweep());
  }

  /** Stops heartbeat and sweeping; later changes are not written. */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    clearTimeout(this.recheckTimer);
    this.recheckUsers.clear();
  }

  /** A `presence` frame about `userId` was delivered to this instance's sockets (the broker tells). */
  relayed(userId: number, online: boolean): void {
    this.relayedOnline.delete(userId);
    if (!online) return;
    if (this.relayedOnline.size >= MAX_RELAYED_ONLINE) this.relayedOnline.delete(this.relayedOnline.values().next().value!);
    this.relayedOnline.add(userId);
  }

  private get connected(): boolean {
    return !this.stopped && this.redis.status === 'ready';
  }

  // ---- this instance's users ------------------------------------------

  /**
   * The user's first connection here opened. True when the user came online
   * for the cluster. Redis unreachable: true (the local view is all there is;
   * Redis is brought up to date, and contacts told, after reconnecting).
   *
   * The script is sent before any await, so changes for one user reach Redis
   * in the order the Manager made them.
   */
  async userOnline(userId: number): Promise<boolean> {
    this.local.add(userId);
    if (!this.connected) return this.stopped ? false : this.unreachable(userId);
    const n = this.names;
    try {
      const answer = await this.redis.parlorOnline(n.instances, n.instanceUsers(this.instanceId), n.presence(userId), this.instanceId, userId);
      if (answer & ONLINE_REJOINED) this.registryLost();
      return (answer & ONLINE_FIRST) !== 0;
    } catch (err) {
      this.log.warn({ err, userId }, 'redis: could not record presence; will reconcile');
      return this.unreachable(userId);
    }
  }

  /** The user's last connection here closed. True when the user went offline for the cluster. Redis unreachable: true. */
  async userOffline(userId: number): Promise<boolean> {
    this.local.delete(userId);
    if (!this.connected) return this.stopped ? false : this.unreachable(userId);
    const n = this.names;
    try {
      return (await this.redis.parlorOffline(n.instanceUsers(this.instanceId), n.presence(userId), this.instanceId, userId)) === 1;
    } catch (err) {
      this.log.warn({ err, userId }, 'redis: could not record presence; will reconcile');
      return this.unreachable(userId);
    }
  }

  /** Redis cannot answer: the local view is announced (reaching local contacts only); the truth follows after reconnecting. */
  private unreachable(userId: number): boolean {
    this.dirty = true;
    this.unsettled.add(userId);
    return true;
  }

  /** Which of these users hold a connection on any live (or not yet swept) instance. Redis down: this instance only. */
  async onlineAmong(userIds: readonly number[]): Promise<number[]> {
    if (userIds.length === 0) return [];
    if (!this.connected) return userIds.filter((u) => this.local.has(u));
    try {
      const states = await this.clusterState(userIds);
      return userIds.filter((u, i) => states[i] ?? this.local.has(u));
    } catch (err) {
      this.log.warn({ err }, 'redis: could not read presence; answering for this instance only');
      return userIds.filter((u) => this.local.has(u));
    }
  }

  /** Per user: whether any instance holds them, as Redis has it; undefined where Redis answered with an error. */
  private async clusterState(userIds: readonly number[]): Promise<Array<boolean | undefined>> {
    const pipeline = this.redis.pipeline();
    for (const u of userIds) pipeline.exists(this.names.presence(u));
    const results = (await pipeline.exec()) ?? [];
    return userIds.map((_, i) => {
      const [err, count] = results[i] ?? [new Error('no reply'), 0];
      return err ? undefined : Number(count) > 0;
    });
  }

  // ---- heartbeat and reconciling ---------------------------------------

  /** The command connection is (again) ready: register at once rather than at the next beat. */
  onReady(): void {
    this.dirty = true;
    void this.beat();
    this.sweepAtStart();
  }

  /**
   * One sweep as soon as Redis is ready and someone can announce, rather than
   * one `sweepIntervalMs` after start. When every instance stopped (a whole
   * deployment restarted, or its only instance), nobody was left to sweep
   * them: their users' presence sets still name them, so until a sweep the
   * restarted deployment takes those users for online (`GET /api/users/online`
   * lists them, a `message` event leaves them out of `offline`: no push).
   * Only at start: after a Redis outage every instance's
   * heartbeat may have expired, and the periodic sweep leaves the others their
   * own reconnect (and first beat) before it takes them for dead.
   */
  private sweepAtStart(): void {
    if (this.sweptAtStart || !this.handler || !this.connected) return;
    this.sweptAtStart = true;
    void this.sweep();
  }

  /**
   * Refreshes the heartbeat key and the registry entry. Finding our id missing
   * from the registry means Redis lost our records (restart, failover) or a
   * survivor swept us (we were silent for longer than the TTL): reconcile. (A
   * user's online script that found it missing first has already said so.)
   */
  async beat(): Promise<void> {
    if (!this.connected) return;
    try {
      const results = await this.redis
        .multi()
        .set(this.names.heartbeat(this.instanceId), String(Date.now()), 'PX', this.timing.ttlMs)
        .sadd(this.names.instances, this.instanceId)
        .exec();
      if (results?.[1]?.[1] === 1) this.registryLost();
    } catch (err) {
      this.log.debug({ err }, 'redis: heartbeat failed');
      return;
    }
    // Taken before reconciling: what this beat's reconcile announces is repeated at the next beat, not at once.
    const again = [...this.announceAgain];
    this.announceAgain.clear();
    if (this.dirty) await this.reconcile();
    if (again.length > 0) await this.announceCurrentState(again);
  }

  /**
   * Our id was missing from the registry: reconcile at the next beat, and one
   * TTL later re-check the users last relayed online here. Redis may have lost
   * every instance's records; by then each live instance with Redis back has
   * beaten and re-registered its users, while a dead one never will: its users
   * are offline in Redis and are announced so (the offline announcement asks
   * Redis once more, after reading the contacts). A live instance whose own
   * reconnect is slower than that announces its users online again when its
   * reconcile puts them back. Only the users relayed online before the loss
   * are re-checked: at start (our first registration) there are none, so no
   * re-check runs. One that ran then would take users relayed online since,
   * and announce offline a second time a user whose offline another instance
   * was announcing at that moment (a dead instance swept, a last socket
   * closed): contacts would hear "offline" twice.
   */
  private registryLost(): void {
    this.dirty = true;
    if (this.stopped) return;
    for (const u of this.relayedOnline) this.recheckUsers.add(u);
    if (this.recheckTimer !== undefined || this.recheckUsers.size === 0) return;
    this.recheckTimer = setTimeout(() => {
      this.recheckTimer = undefined;
      void this.recheckRelayedOnline();
    }, this.timing.ttlMs);
    this.recheckTimer.unref();
  }

  /**
   * Announces offline the users relayed online here before the loss, and still last relayed online, whom no
   * instance holds now. Redis down again: the next loss re-checks.
   */
  private async recheckRelayedOnline(): Promise<void> {
    const users = [...this.recheckUsers].filter((u) => this.relayedOnline.has(u) && !this.local.has(u));
    this.recheckUsers.clear();
    if (users.length === 0 || !this.connected) return;
    try {
      const states = await this.clusterState(users);
      const gone = users.filter((_, i) => states[i] === false);
      if (gone.length > 0) this.log.info({ offline: gone.length }, 'redis: users last seen online are in no instance after Redis lost its records');
      // A failed announcement (the contacts could not be read) is made again at the next beat, from Redis's state then.
      for (const u of gone) Promise.resolve(this.handler?.(u, false)).catch(() => this.announceAgain.add(u));
    } catch (err) {
      this.log.warn({ err }, 'redis: could not re-check the users last seen online');
    }
  }

  /** Announces each user's cluster-wide state as Redis has it now (nothing for a user it cannot answer for). */
  private async announceCurrentState(userIds: readonly number[]): Promise<void> {
    if (!this.connected) return;
    try {
      const states = await this.clusterState(userIds);
      userIds.forEach((u, i) => {
        // Failed again (the contacts still unreadable): once more at the next beat.
        if (states[i] !== undefined) Promise.resolve(this.handler?.(u, states[i])).catch(() => this.announceAgain.add(u));
      });
    } catch (err) {
      this.log.debug({ err }, 'redis: could not repeat presence announcements');
    }
  }

  /**
   * Makes Redis hold exactly this instance's users, and announces every user
   * whose cluster-wide state changed on the way (or was announced from the
   * local view alone while Redis was unreachable).
   */
  reconcile(): Promise<void> {
    this.reconciling ??= this.reconcileOnce().finally(() => (this.reconciling = undefined));
    return this.reconciling;
  }

  private async reconcileOnce(): Promise<void> {
    if (!this.connected) return;
    this.dirty = false;
    const unsettled = [...this.unsettled];
    this.unsettled.clear();
    const n = this.names;
    const mine = n.instanceUsers(this.instanceId);
    try {
      const remote = new Set((await this.redis.smembers(mine)).map(Number));
      // Computed and sent in the same tick as the reply: changes the Manager makes meanwhile are sent after ours.
      const added = [...this.local].filter((u) => !remote.has(u));
      const removed = [...remote].filter((u) => !this.local.has(u));
      const pipeline = this.redis.pipeline() as PresencePipeline;
      for (const u of added) pipeline.parlorOnline(n.instances, mine, n.presence(u), this.instanceId, u);
      for (const u of removed) pipeline.parlorOffline(mine, n.presence(u), this.instanceId, u);
      for (const u of unsettled) pipeline.exists(n.presence(u));
      const results = (await pipeline.exec()) ?? [];
      const announce = new Map<number, boolean>();
      const failed = (i: number) => results[i]?.[0] != null;
      added.forEach((u, i) => (Number(results[i]?.[1]) & ONLINE_FIRST) !== 0 && announce.set(u, true));
      removed.forEach((u, i) => results[added.length + i]?.[1] === 1 && announce.set(u, false));
      unsettled.forEach((u, i) => {
        const at = added.length + removed.length + i;
        if (failed(at)) this.unsettled.add(u);
        else announce.set(u, Number(results[at]?.[1]) > 0);
      });
      if (results.some(([err]) => err != null)) this.dirty = true;
      for (const [u, online] of announce) {
        this.handler?.(u, online);
        this.announceAgain.add(u);
      }
      if (added.length + removed.length > 0) this.log.info({ added: added.length, removed: removed.length }, 'redis: presence reconciled');
    } catch (err) {
      this.dirty = true;
      for (const u of unsettled) this.unsettled.add(u);
      this.log.warn({ err }, 'redis: could not reconcile presence; will retry');
    }
  }

  // ---- sweeping dead instances -------------------------------------------

  /**
   * Finds registered instances whose heartbeat expired, takes a lock per dead
   * instance (SET NX) so one survivor handles it, and announces offline the
   * users no other instance holds.
   */
  async sweep(): Promise<void> {
    if (!this.connected || !this.handler || this.sweeping) return;
    this.sweeping = true;
    try {
      const n = this.names;
      const others = (await this.redis.smembers(n.instances)).filter((id) => id !== this.instanceId);
      if (others.length === 0) return;
      const pipeline = this.redis.pipeline();
      for (const id of others) pipeline.exists(n.heartbeat(id));
      const alive = (await pipeline.exec()) ?? [];
      const dead = others.filter((_, i) => alive[i]?.[0] == null && alive[i]?.[1] === 0);
      for (const id of dead) await this.sweepOne(id);
    } catch (err) {
      this.log.debug({ err }, 'redis: sweep failed');
    } finally {
      this.sweeping = false;
    }
  }

  private async sweepOne(deadId: string): Promise<void> {
    const n = this.names;
    const lock = await this.redis.set(n.sweepLock(deadId), this.instanceId, 'PX', this.timing.ttlMs, 'NX');
    if (lock !== 'OK') return;
    const gone = (await this.redis.parlorSweep(n.heartbeat(deadId), n.instanceUsers(deadId), n.instances, deadId, n.presenceHead)).map(Number);
    this.log.info({ instance: deadId, offline: gone.length }, 'redis: swept a dead instance');
    // The records are gone with the script: an announcement that fails (the contacts could not be read)
    // would never be made again, so it is repeated at the next heartbeat, from Redis's state then.
    for (const u of gone) {
      Promise.resolve(this.handler?.(u, false)).catch(() => this.announceAgain.add(u));
    }
  }

  /**
   * Graceful stop: the heartbeat key goes, so a survivor sweeps this instance
   * (and announces its users offline) at its next sweep. Holding nobody, the
   * instance removes its own records at once.
   */
  async leave(): Promise<void> {
    const wasConnected = this.connected;
    this.stop();
    if (!wasConnected) return;
    const n = this.names;
    try {
      const tx = this.redis.multi().del(n.heartbeat(this.instanceId));
      // Only when Redis is known to match (nothing left to reconcile), else a user's entry could outlive us.
      if (this.local.size === 0 && !this.dirty && this.unsettled.size === 0) tx.del(n.instanceUsers(this.instanceId)).srem(n.instances, this.instanceId);
      await tx.exec();
    } catch (err) {
      this.log.debug({ err }, 'redis: could not remove the heartbeat key; it expires by itself');
    }
  }
}
