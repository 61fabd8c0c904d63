import { parse as parsePgConnectionString } from 'pg-connection-string';
import { z } from 'zod';
import { DEFAULT_TOKEN_TTL_SECONDS, MAX_TOKEN_TTL_SECONDS, MIN_TOKEN_TTL_SECONDS } from './auth/token-service.js';
import { DEFAULT_AUTH_RATE_LIMIT } from './composition/routes.js';
import { DEFAULT_READ_BUDGET } from './http/user-rate-limit.js';
import { databaseOf, isRedisUrl } from './broker/redis-broker.js';
import { Origin } from './parlor-options.js';
import { MIN_SESSION_SECRET_CHARS } from './session/secret.js';
import { DEFAULT_MEMBERSHIP_CACHE_GROUPS } from './store/membership-cache.js';
import { MAX_TIMER_MS, TIMER_TOO_LONG } from './timer-limit.js';
import { trustProxyCompiles } from './trust-proxy.js';
import { DEFAULT_MANAGER_OPTIONS as MANAGER } from './websocket/options.js';
import { MAX_CONTENT_CHARS, MIN_FRAME_BYTES } from './wire-limits.js';

/**
 * A comma list: "a, b,,c" -> ["a","b","c"]; each entry checked by `entry`,
 * whose message names the bad entry (not an index into the list), after the variable's name.
 */
const List = (entry: z.ZodType<string, string> = z.string()) =>
  z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .superRefine((entries, ctx) => {
      for (const value of entries) {
        const result = entry.safeParse(value);
        if (!result.success) ctx.addIssue({ code: 'custom', message: result.error.issues[0]?.message ?? `${JSON.stringify(value)} is refused` });
      }
    })
    .default([]);
/**
 * A whole number written in digits: not `Number()`'s reading, under which a blank
 * is 0 (an off switch for some limits), and `0x10` or `1e3` pass unseen.
 */
const Int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER, why: { tooSmall?: string; tooBig?: string } = {}) =>
  z
    .string()
    .trim()
    .regex(/^\d{1,15}$/, 'must be a whole number, in digits')
    .transform(Number)
    .pipe(z.number().min(min, why.tooSmall).max(max, why.tooBig))
    .default(def);
/** Milliseconds a timer waits: past MAX_TIMER_MS Node would fire it at once (an interval, every millisecond). */
const Ms = (def: number, min: number) => Int(def, min, MAX_TIMER_MS, { tooBig: TIMER_TOO_LONG });

const REDIS_URL_RULE = 'must be a redis:// or rediss:// URL';

/** Whether the URL's path is a database number or nothing, by the broker's own rule (databaseOf): `/abc` once failed only after the database was opened. */
function redisDatabaseReadable(url: string): boolean {
  try {
    databaseOf(url, undefined);
    return true;
  } catch {
    return false;
  }
}

/** Whether pg can parse `url` (the parser's errors are not kept: they may hold the password). */
function pgCanRead(url: string): boolean {
  try {
    parsePgConnectionString(url);
    return true;
  } catch {
    return false;
  }
}

/**
 * The environment variables of contract section 1, with their defaults, in
 * one place. A bad value stops the process at start with the variable's name.
 * A default the library has too (a Manager option, a read budget, a token
 * lifetime...) is read from the library's constant, so the two cannot drift.
 */
export const EnvSchema = z.object({
  PORT: Int(3000, 0, 65535),
  HOST: z.string().min(1).default('127.0.0.1'),
  SQLITE_PATH: z.string().min(1).default('./data/parlor.db'),
  /**
   * What pg reads, checked by pg's own parser (pg-connection-string), not as a web URL:
   * `postgres://user:pw@/db?host=/socket/dir` has no host and is valid. A password with
   * an unescaped `/`, `#` or `?` is not, and was once only found when the database was
   * opened, in an error that named no variable. The message never repeats the value.
   */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/\S*$/, 'must be a postgres:// or postgresql:// connection string')
    .refine(pgCanRead, 'is not a connection string pg can read (percent-encode / # ? @ and spaces in the user name and password)')
    .optional(),
  /** PostgreSQL schema for Parlor's tables (created when missing); default `parlor`, apart from any host's tables. */
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lowercase SQL identifier ([a-z_][a-z0-9_]*, at most 63 characters)')
    .optional(),
  /** PostgreSQL connections per instance. */
  DATABASE_POOL_SIZE: Int(10, 1),
  /** Groups whose accepted members each instance keeps in memory; 0 turns the cache off. */
  MEMBERSHIP_CACHE_GROUPS: Int(DEFAULT_MEMBERSHIP_CACHE_GROUPS),
  /** Checked here, not by the RedisBroker at start, so the error names the variable (and comes before the database is opened). */
  REDIS_URL: z
    .string()
    .url({ abort: true, message: REDIS_URL_RULE })
    .refine(isRedisUrl, { message: REDIS_URL_RULE, abort: true })
    .refine(redisDatabaseReadable, 'its path must be empty or a database number, as in redis://host:6379/2')
    .optional(),
  /** Prefix of every Redis key and channel: instances sharing it form one cluster. */
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]{1,64}$/, 'must be 1-64 of [A-Za-z0-9:_-]')
    .default('parlor'),
  /** Heartbeat TTL of an instance in Redis: a dead instance's users go offline within PRESENCE_TTL_MS + PRESENCE_SWEEP_MS. */
  PRESENCE_TTL_MS: Ms(15_000, 100),
  /** How often each instance looks for dead instances in Redis. */
  PRESENCE_SWEEP_MS: Ms(5_000, 50),
  SESSION_SECRET: z.string().min(MIN_SESSION_SECRET_CHARS, `must be at least ${MIN_SESSION_SECRET_CHARS} characters`).optional(),
  TOKEN_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  TOKEN_TTL_SECONDS: Int(DEFAULT_TOKEN_TTL_SECONDS, MIN_TOKEN_TTL_SECONDS, MAX_TOKEN_TTL_SECONDS, { tooBig: `must be at most ${MAX_TOKEN_TTL_SECONDS} (366 days)` }),
  /** How often each instance checks its cookie sockets' sessions against the session store (one batched query). */
  SESSION_RECHECK_MS: Ms(MANAGER.sessionRecheckMs, 1000),
  /** Each entry by createParlor's rule for `allowedOrigins`, so the error names the variable. */
  ALLOWED_ORIGINS: List(Origin),
  ADMIN_USERS: List(),
  /** At least MIN_FRAME_BYTES: the largest frame of a valid message (4000 characters, as JSON escapes at worst). */
  MAX_FRAME_BYTES: Int(MANAGER.maxFrameBytes, MIN_FRAME_BYTES, undefined, {
    tooSmall: `must be at least ${MIN_FRAME_BYTES}, the largest frame of a valid message (${MAX_CONTENT_CHARS} characters, each at its worst as JSON)`,
  }),
  WS_RATE_LIMIT: Int(MANAGER.rateLimit, 1),
  WS_RATE_BURST: Int(MANAGER.rateBurst, 1),
  /** New WebSocket connections a second per user, and the burst (429 on the upgrade past them). */
  WS_CONNECT_RATE: Int(MANAGER.connectRate, 1),
  WS_CONNECT_BURST: Int(MANAGER.connectBurst, 1),
  /** Private conversations a user may start with strangers a day, per instance (rate_limited past it). */
  NEW_CONVERSATIONS_PER_DAY: Int(MANAGER.newConversationsPerDay, 1),
  /** Authenticated HTTP reads (GET) a second per user; 0 turns the read limit off. HTTP writes take WS_RATE_LIMIT / WS_RATE_BURST. */
  HTTP_READ_RATE_LIMIT: Int(DEFAULT_READ_BUDGET.rate),
  HTTP_READ_BURST: Int(DEFAULT_READ_BUDGET.burst, 1),
  MAX_BUFFERED_BYTES: Int(MANAGER.maxBufferedBytes, 1024),
  MAX_CONNECTIONS_PER_USER: Int(MANAGER.maxConnectionsPerUser, 1),
  AUTH_RATE_LIMIT: Int(DEFAULT_AUTH_RATE_LIMIT),
  HEARTBEAT_INTERVAL_MS: Ms(MANAGER.heartbeatIntervalMs, 10),
  PASSWORD_HASH_COST: Int(17, 10, 20),
  /** Proxy hops (`1` behind one nginx) or the proxies' addresses; `true` is refused, see trustProxySetting. */
  TRUST_PROXY: z
    .string()
    .refine((v) => v.trim().toLowerCase() !== 'true', {
      message:
        '"true" would believe every X-Forwarded-For entry, so any client could pick its own IP and escape AUTH_RATE_LIMIT; ' +
        'give the number of proxy hops in front of Parlor (1 behind one nginx) or the proxies\' addresses (e.g. "loopback, 10.0.0.0/8")',
      abort: true,
    })
    // Checked here, not by Express or createParlor at start, so the error names the variable the operator set.
    .refine((v) => trustProxyCompiles(trustProxySetting(v)), {
      message: 'must be a number of proxy hops or proxy addresses and subnets, e.g. "loopback, 10.0.0.0/8"',
    })
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.output<typeof EnvSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // A blank value (`AUTH_RATE_LIMIT=`, or only spaces, in an env file) is unset: its default. Others are kept
  // as written (a secret is not trimmed); numbers are read trimmed (Int).
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const result = EnvSchema.safeParse(present);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
}

/**
 * `TRUST_PROXY` as Express understands it: a hop count or a list of addresses.
 * Never `true` (EnvSchema refuses it): with `true` Express takes the leftmost
 * X-Forwarded-For entry, which the client writes itself. `0` hops is no
 * proxy at all: false, so nothing (the origin check included) believes
 * `X-Forwarded-*`.
 */
export function trustProxySetting(value: string | undefined): false | number | string {
  if (value === undefined || value === 'false' || /^0+$/.test(value)) return false;
  return /^\d+$/.test(value) ? Number(value) : value;
}
