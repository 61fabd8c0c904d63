/**
 * Every Redis key and pub/sub channel name Parlor uses, and the wire format of
 * a published envelope. Names live here only, so docs/scaling.md can list them
 * from one place.
 */
import type { DeliveryTracking, Envelope } from '../websocket/broker.js';
import { asCacheInvalidation, type CacheInvalidation } from '../websocket/cache-invalidation.js';
import { asDisconnectOrder, type DisconnectOrder } from '../websocket/disconnect-order.js';
import type { ServerFrameType } from '../websocket/protocol.js';

/**
 * Names under one prefix (`parlor` by default; use `{parlor}` on Redis Cluster to keep every key in one slot),
 * in one Redis logical database (`db`, the `/db` of REDIS_URL; 0 by default).
 */
export class RedisNames {
  /**
   * What ends every channel name: `@db<n>` in database n > 0, nothing in database 0. Keys live in their
   * database, but pub/sub ignores it: a PUBLISH reaches the subscribers of every database. Two deployments
   * kept apart by their database number alone would otherwise share every channel (one's private frames and
   * disconnect orders reaching the other). The suffix cannot be mistaken for part of a database 0 name: those
   * end in `:all`, `:disconnect`, `:invalidate` or `:u:<digits>`, never in `@db<digits>`.
   */
  private readonly channelTail: string;

  constructor(
    readonly prefix: string,
    readonly db = 0,
  ) {
    if (!/^[^\s]{1,64}$/.test(prefix)) throw new TypeError(`Redis key prefix must be 1-64 non-space characters, got ${JSON.stringify(prefix)}`);
    if (!Number.isSafeInteger(db) || db < 0) throw new TypeError(`Redis database number must be a whole number (0 or more), got ${String(db)}`);
    this.channelTail = db === 0 ? '' : `@db${db}`;
  }

  // ---- channels ----

  /** Frames for one user: subscribed by every instance holding a connection of that user. */
  userChannel(userId: number): string {
    return `${this.prefix}:u:${userId}${this.channelTail}`;
  }

  /** `all` envelopes (broadcast): subscribed by every instance. */
  get allChannel(): string {
    return `${this.prefix}:all${this.channelTail}`;
  }

  /** Disconnect orders (logout, revocation, `disconnectUser`): subscribed by every instance. */
  get disconnectChannel(): string {
    return `${this.prefix}:disconnect${this.channelTail}`;
  }

  /** Cache invalidations (`parlor.invalidateUser` / `invalidateGroup`): subscribed by every instance. */
  get invalidateChannel(): string {
    return `${this.prefix}:invalidate${this.channelTail}`;
  }

  /** The user id of a user channel, or undefined for any other channel. */
  userOfChannel(channel: string): number | undefined {
    const head = `${this.prefix}:u:`;
    if (!channel.startsWith(head) || !channel.endsWith(this.channelTail)) return undefined;
    const digits = channel.slice(head.length, channel.length - this.channelTail.length);
    if (!/^\d+$/.test(digits)) return undefined;
    const id = Number(digits);
    return Number.isSafeInteger(id) && id > 0 ? id : undefined;
  }

  // ---- keys ----

  /** Counters of one rate limit shared by the cluster (`<prefix>:rl:<name>:<client key>`, a window each). */
  rateLimitHead(name: string): string {
    return `${this.prefix}:rl:${name}:`;
  }

  /** SET of instance ids that registered (alive or not yet swept). */
  get instances(): string {
    return `${this.prefix}:instances`;
  }

  /** String with a TTL, refreshed by the instance's heartbeat; its absence means the instance is dead. */
  heartbeat(instanceId: string): string {
    return `${this.prefix}:instance:${instanceId}`;
  }

  /** SET of user ids the instance holds connections for. */
  instanceUsers(instanceId: string): string {
    return `${this.prefix}:instance:${instanceId}:users`;
  }

  /** The common head of `presence(userId)`, for the sweep script. */
  get presenceHead(): string {
    return `${this.prefix}:presence:`;
  }

  /** SET of instance ids holding connections of the user; empty (absent) = offline. */
  presence(userId: number): string {
    return `${this.presenceHead}${userId}`;
  }

  /** SET NX lock: one survivor sweeps each dead instance. */
  sweepLock(instanceId: string): string {
    return `${this.prefix}:sweep:${instanceId}`;
  }
}

/**
 * One envelope on the wire. The user list is not carried: the channel names
 * the user. `r` is the frame exactly as the publishing instance encoded it;
 * the receiving instance writes it to sockets as-is.
 */
export interface WireEnvelope {
  v: 1;
  /** The publishing instance, which has already delivered locally and ignores its own echo. */
  o: string;
  t: ServerFrameType;
  r: string;
  /** Connection id to skip (random UUIDs, so unique across instances). */
  x?: string;
  d?: DeliveryTracking;
  /**
   * The envelope's `latestKey` (typing, presence): what a newer frame replaces
   * for a slow client on the receiving instance too. Without it that instance
   * would key held-back frames by their text, and an `online` and an `offline`
   * of one user would both be replayed.
   */
  k?: string;
}

export function encodeWire(origin: string, envelope: Envelope): string {
  // `v` then `o` first, always: wireOriginHead(origin) is how an instance recognizes its own echo unparsed.
  const wire: WireEnvelope = { v: 1, o: origin, t: envelope.type, r: envelope.raw };
  if (envelope.except !== undefined) wire.x = envelope.except;
  if (envelope.delivery !== undefined) wire.d = envelope.delivery;
  if (envelope.latestKey !== undefined) wire.k = envelope.latestKey;
  return JSON.stringify(wire);
}

/**
 * How every envelope `encodeWire(origin, ...)` produces begins. An instance
 * receives its own publication of every frame it published to a user it also
 * holds (it delivered that frame locally before publishing); comparing this
 * head lets it drop the echo without JSON.parse. Instance ids are restricted
 * to `[A-Za-z0-9_.:-]`, so the id needs no escaping and no other origin can
 * share the head.
 */
export function wireOriginHead(origin: string): string {
  return `{"v":1,"o":${JSON.stringify(origin)},`;
}

/** A published message as a JSON object; undefined for anything else (another instance's garbage, a foreign publisher). */
function parseObject(message: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(message);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Parses a published message; undefined when it is not a version-1 envelope. */
export function decodeWire(message: string): WireEnvelope | undefined {
  const w = parseObject(message) as Partial<WireEnvelope> | undefined;
  if (!w) return undefined;
  if (w.v !== 1 || typeof w.o !== 'string' || typeof w.t !== 'string' || typeof w.r !== 'string') return undefined;
  if (w.x !== undefined && typeof w.x !== 'string') return undefined;
  if (w.d !== undefined && !isDelivery(w.d)) return undefined;
  if (w.k !== undefined && typeof w.k !== 'string') return undefined;
  return w as WireEnvelope;
}

function isDelivery(d: unknown): d is DeliveryTracking {
  if (typeof d !== 'object' || d === null) return false;
  const { messageId, senderId, recipientId, receipt } = d as Record<string, unknown>;
  return [messageId, senderId, recipientId].every((n) => Number.isSafeInteger(n)) && (receipt === undefined || typeof receipt === 'boolean');
}

/** The envelope a receiving instance hands to its Manager: the one user the channel names, or everyone. */
export function envelopeFromWire(wire: WireEnvelope, target: { userId: number } | 'all'): Envelope {
  const envelope: Envelope = target === 'all' ? { type: wire.t, raw: wire.r, all: true } : { type: wire.t, raw: wire.r, users: [target.userId] };
  if (wire.x !== undefined) envelope.except = wire.x;
  if (wire.d !== undefined) envelope.delivery = wire.d;
  if (wire.k !== undefined) envelope.latestKey = wire.k;
  return envelope;
}

/**
 * A control message every instance receives: `{"v":1,"o":<origin>,<key>:<body>}`,
 * from the instance that has acted on it already (and ignores its echo).
 * Disconnect orders carry a session id or a user id, never a cookie or a
 * token; cache invalidations a user id or a group id.
 */
export class ControlMessages<T> {
  constructor(
    /** The body's key on the wire. */
    readonly key: string,
    /** What the body is named in logs ("disconnect order"). */
    readonly name: string,
    private readonly asBody: (value: unknown) => T | undefined,
  ) {}

  encode(origin: string, body: T): string {
    return JSON.stringify({ v: 1, o: origin, [this.key]: body });
  }

  /** The origin and body of a published message; undefined when it is not a version-1 message of this kind. */
  decode(message: string): { origin: string; body: T } | undefined {
    const w = parseObject(message);
    if (!w || w.v !== 1 || typeof w.o !== 'string') return undefined;
    const body = this.asBody(w[this.key]);
    return body === undefined ? undefined : { origin: w.o, body };
  }
}

/** Logouts, revocations and `disconnectUser`, on `<prefix>:disconnect`. */
export const disconnectMessages = new ControlMessages<DisconnectOrder>('order', 'disconnect order', asDisconnectOrder);

/** `invalidateUser` / `invalidateGroup`, on `<prefix>:invalidate`. */
export const invalidationMessages = new ControlMessages<CacheInvalidation>('forget', 'cache invalidation', asCacheInvalidation);
