import type { MessagePolicy } from './message-policy.js';
import type { Identity, TokenInUse } from './session-resolver.js';
import type { Awaitable } from '../types.js';
import type { Logger } from '../logger.js';
import { DEFAULT_USER_CACHE_SIZE } from './known-users.js';
import { MAX_TIMER_MS, TIMER_TOO_LONG } from '../timer-limit.js';
import { MIN_FRAME_BYTES } from '../wire-limits.js';

/** Every knob of the Manager, each with its default below. Durations are options so tests pass tiny values. */
export interface ManagerOptions {
  /** Frames a second per connection (WS_RATE_LIMIT). */
  rateLimit: number;
  /** Frames a connection may send at once before the rate applies (WS_RATE_BURST). */
  rateBurst: number;
  /**
   * New connections a second per user (WS_CONNECT_RATE), after a burst of
   * `connectBurst` (WS_CONNECT_BURST): an upgrade past it is refused with 429
   * before the handshake. Each connection starts with a full frame budget and
   * no strikes, and each open and close costs a presence change, so a
   * reconnect loop is what this bounds.
   */
  connectRate: number;
  connectBurst: number;
  /**
   * Private conversations one user may start with strangers a day (someone
   * who never wrote to them and shares no group; with a ConsentStore), per
   * instance: past it, `rate_limited`. Every conversation costs its two
   * users a probe in each `sync` page and conversation list, so this bounds
   * how fast one account (a spammer) can make that grow, for itself and for
   * those it writes to. Replies and conversations under way are not counted.
   */
  newConversationsPerDay: number;
  /**
   * `sync` frames a second per user, across all its connections, after a
   * burst of `syncBurst`: past it, `rate_limited`. A sync reads one index
   * range per group and private conversation of the user even when nothing
   * is new, so the frame budget of each connection (times 32 connections)
   * would let one account keep the store busy; the same budget as the
   * user's HTTP reads (20/s, 60 at once).
   */
  syncRate: number;
  syncBurst: number;
  /**
   * Rejected frames (beyond the rate) tolerated before closing with 1008; they
   * are forgiven at `abuseTolerance` per 10 s. With the defaults, flooding at
   * twice the rate closes in about 6 s, at 1.5x the rate in about 19 s
   * (test/unit/manager-limits.test.ts pins these).
   */
  abuseTolerance: number;
  /** Buffered bytes on one connection before it is closed with 1013 (MAX_BUFFERED_BYTES). */
  maxBufferedBytes: number;
  /**
   * Buffered bytes above which ephemeral frames (typing, presence) to that
   * connection are held back, and the most a `sync` replay keeps buffered.
   * Default: a quarter of `maxBufferedBytes` (1 MiB of the default 4 MiB).
   */
  shedBufferedBytes: number;
  /**
   * How often a connection with held-back frames is checked for having caught
   * up, when its transport will not say so with 'drain' (a backlog under the
   * socket's 16 KiB high-water mark, or no transport: see OutboundFlow).
   */
  drainCheckMs: number;
  /** After closing a socket, how long the peer has to finish the closing handshake before the socket is destroyed. */
  closeTimeoutMs: number;
  /**
   * At shutdown, how long `close()` waits for the frames in flight before it
   * closes the sockets with 1001. They normally wait on the store, for
   * milliseconds; a host policy or interface that never answers would hold
   * the shutdown for ever. A frame still waiting then is not acked (the
   * client resends it); a write already in the store still commits.
   */
  shutdownWaitMs: number;
  /** Largest incoming frame (MAX_FRAME_BYTES); larger closes with 1009. At least MIN_FRAME_BYTES (src/wire-limits.ts). */
  maxFrameBytes: number;
  /** Open connections one user may hold; the next is closed with 1008. */
  maxConnectionsPerUser: number;
  /** Ping interval; a connection that misses two pongs is terminated (HEARTBEAT_INTERVAL_MS). */
  heartbeatIntervalMs: number;
  /** After this long without a `typing` frame the server sends `is_typing: false`. */
  typingTimeoutMs: number;
  /** Messages fetched per store query during `sync`. */
  syncPageSize: number;
  /** The host's rules for private and group messages, checked before storing. Default: none. */
  messagePolicy?: MessagePolicy;
  /** How often cookie sockets are checked against the session store (SESSION_RECHECK_MS); see SessionResolver.stillValid. */
  sessionRecheckMs: number;
  /** Checks the token of a `refresh` frame (Parlor's bearer tokens). Absent: `refresh` is refused. */
  verifyToken?: (token: string) => Awaitable<Identity | null>;
  /**
   * Which of the bearer tokens this process's sockets hold are still
   * unrevoked (Parlor's tokens: TokenService.stillCurrent), asked with the
   * session re-check; the other sockets close with 4401. Absent: token sockets
   * end by revocation orders and at their `exp` only.
   */
  tokensStillCurrent?: (tokens: readonly TokenInUse[]) => Awaitable<boolean[]>;
  /** User ids the UserDirectory confirmed, kept so a message costs no lookup (src/websocket/known-users.ts); 0 turns the cache off. */
  userCacheSize: number;
  /**
   * Groups whose accepted members are kept from a host's GroupMemberFetcher
   * (src/websocket/known-groups.ts); 0 turns the cache off. Default 0 for a
   * Manager built by hand; `createParlor` uses 10,000 with a host's fetcher
   * and 0 with Parlor's own groups, whose stores cache them already.
   */
  groupCacheSize: number;
  /**
   * The stores read group memberships themselves (Parlor's own groups): sync
   * and the conversation list need not ask the fetcher's `groupsOf`, nor
   * message requests its `contactsOf` (whether two users share a group).
   * Default false for a Manager built by hand (asking is never wrong: the
   * stores take the union); `createParlor` sets it without a host's fetcher.
   */
  storesKnowGroups: boolean;
  /**
   * The MessagePersister is the ConsentStore's own store (the bundled
   * stores): its saves record who has written to whom, so the Manager need
   * not (ConsentStore.recordWrite). Default false for a Manager built by
   * hand (recording is never wrong: idempotent, and only for the first
   * message each way); `createParlor` sets it without a host's persister.
   */
  storesKnowWriters: boolean;
  /**
   * The ConsentStore holds the groups' memberships (Parlor's own groups, even
   * with a host's persister): whether two users share a group is its
   * `shareGroup`, and the fetcher's `contactsOf` is not asked for it. Default
   * false for a Manager built by hand (asking is never wrong); `createParlor`
   * sets it without a host's fetcher.
   */
  consentStoreKnowsGroups: boolean;
  /** Whether a user may send `broadcast`. Default: nobody. */
  isAdmin: (identity: Identity) => Awaitable<boolean>;
  logger?: Logger;
  now: () => number;
}

export const DEFAULT_MANAGER_OPTIONS: ManagerOptions = {
  rateLimit: 20,
  rateBurst: 40,
  connectRate: 2,
  connectBurst: 40,
  newConversationsPerDay: 200,
  syncRate: 20,
  syncBurst: 60,
  abuseTolerance: 60,
  maxBufferedBytes: 4 * 1024 * 1024,
  shedBufferedBytes: 1024 * 1024,
  drainCheckMs: 50,
  closeTimeoutMs: 5000,
  shutdownWaitMs: 10_000,
  maxFrameBytes: 65536,
  maxConnectionsPerUser: 32,
  heartbeatIntervalMs: 30_000,
  typingTimeoutMs: 3000,
  syncPageSize: 500,
  sessionRecheckMs: 60_000,
  userCacheSize: DEFAULT_USER_CACHE_SIZE,
  groupCacheSize: 0,
  storesKnowGroups: false,
  storesKnowWriters: false,
  consentStoreKnowsGroups: false,
  isAdmin: () => false,
  now: Date.now,
};

/** The options that are numbers a timer waits: past MAX_TIMER_MS Node would fire them at once. */
const TIMER_OPTIONS = ['drainCheckMs', 'closeTimeoutMs', 'shutdownWaitMs', 'heartbeatIntervalMs', 'typingTimeoutMs', 'sessionRecheckMs'] as const;

const POSITIVE_OPTIONS = [
  'rateLimit',
  'rateBurst',
  'connectRate',
  'connectBurst',
  'newConversationsPerDay',
  'syncRate',
  'syncBurst',
  'maxBufferedBytes',
  'shedBufferedBytes',
  'maxFrameBytes',
  'maxConnectionsPerUser',
  'syncPageSize',
  ...TIMER_OPTIONS,
] as const;

/** One Manager option that cannot work, and why ("must be a positive number, got 0"). */
export interface ManagerOptionProblem {
  option: keyof ManagerOptions;
  problem: string;
}

/** Options merged over the defaults in one place, unchecked. */
function withDefaults(partial: Partial<ManagerOptions>): ManagerOptions {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  const o: ManagerOptions = { ...DEFAULT_MANAGER_OPTIONS, ...defined };
  // A quarter of the limit unless given: a smaller maxBufferedBytes alone must not fall under the default 1 MiB.
  if (defined.shedBufferedBytes === undefined) o.shedBufferedBytes = Math.floor(o.maxBufferedBytes / 4);
  return o;
}

/**
 * Every option of `partial` (over the defaults) that cannot work, all of
 * them, so `createParlor` names each at once; empty when all can.
 */
export function managerOptionProblems(partial: Partial<ManagerOptions> = {}): ManagerOptionProblem[] {
  const o = withDefaults(partial);
  const problems: ManagerOptionProblem[] = [];
  for (const option of POSITIVE_OPTIONS) {
    if (!Number.isFinite(o[option]) || o[option] <= 0) problems.push({ option, problem: `must be a positive number, got ${String(o[option])}` });
  }
  for (const option of TIMER_OPTIONS) {
    // Infinity is named once, by the rule above.
    if (Number.isFinite(o[option]) && o[option] > MAX_TIMER_MS) problems.push({ option, problem: TIMER_TOO_LONG });
  }
  for (const option of ['userCacheSize', 'groupCacheSize'] as const) {
    if (!Number.isInteger(o[option]) || o[option] < 0) problems.push({ option, problem: `must be a non-negative integer, got ${String(o[option])}` });
  }
  // A positive value under it (not positive is named above): a valid message could close the socket with 1009.
  if (o.maxFrameBytes > 0 && o.maxFrameBytes < MIN_FRAME_BYTES) {
    problems.push({ option: 'maxFrameBytes', problem: `must be at least ${MIN_FRAME_BYTES} (a message of 4000 characters, as JSON escapes at worst), got ${o.maxFrameBytes}` });
  }
  if (o.abuseTolerance < 0) problems.push({ option: 'abuseTolerance', problem: 'must be >= 0' });
  if (o.shedBufferedBytes > o.maxBufferedBytes) problems.push({ option: 'shedBufferedBytes', problem: 'must not exceed maxBufferedBytes' });
  return problems;
}

/** Merges options over the defaults, and throws naming every value that cannot work. */
export function resolveManagerOptions(partial: Partial<ManagerOptions> = {}): ManagerOptions {
  const problems = managerOptionProblems(partial);
  if (problems.length > 0) throw new TypeError(problems.map(({ option, problem }) => `Manager option ${option} ${problem}`).join('; '));
  return withDefaults(partial);
}
