/**
 * `createParlor`'s options checked at the door (ws `WebSocketServer`
 * constructor): every bad option is named in one error, thrown at
 * construction, instead of a TypeError at the first request.
 */
import { z } from 'zod';
import { MAX_TOKEN_TTL_SECONDS, MIN_TOKEN_TTL_SECONDS } from './auth/token-service.js';
import { MIN_SESSION_SECRET_CHARS } from './session/secret.js';
import { trustProxyCompiles } from './trust-proxy.js';
import { MAX_TIMER_MS, TIMER_TOO_LONG } from './timer-limit.js';
import type { Broker } from './websocket/broker.js';
import type { GroupMemberFetcher } from './websocket/group-member-fetcher.js';
import type { MessagePersister } from './websocket/message-persister.js';
import type { MessagePolicy } from './websocket/message-policy.js';
import { DEFAULT_MANAGER_OPTIONS, type ManagerOptions, managerOptionProblems } from './websocket/options.js';
import type { SessionResolver } from './websocket/session-resolver.js';
import type { UserDirectory } from './websocket/user-directory.js';

/** Thrown by `createParlor` with one line per bad option. */
export class ParlorOptionsError extends Error {
  override name = 'ParlorOptionsError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid Parlor options:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/** Whether `value` is an object with these methods (express-session's "required methods, checked at run time"). */
const hasMethods = (value: unknown, methods: readonly string[]): value is object =>
  isObject(value) && methods.every((m) => typeof value[m] === 'function');

const theMethods = (methods: readonly string[]) => `the method${methods.length > 1 ? 's' : ''} ${methods.join(', ')}`;

/** An object with these methods. */
const withMethods = (what: string, methods: readonly string[]) =>
  z.custom<object>((value) => hasMethods(value, methods), { message: `must be ${what} with ${theMethods(methods)}` });

/** An optional method is absent or a function. */
const optionalMethod = (value: object, name: string): boolean => {
  const method = (value as Record<string, unknown>)[name];
  return method === undefined || typeof method === 'function';
};

/** A host persister's notification reads answer two routes together (src/websocket/message-persister.ts). */
const NOTIFICATION_READS = ['notificationsOf', 'unreadNotificationCount', 'markNotificationsRead'] as const;

/** Either every one of `names` is given, or none is (that each given one is a method is `implementing`'s check). */
const allOrNone = (value: object, names: readonly string[]): boolean => {
  const given = names.filter((n) => (value as Record<string, unknown>)[n] !== undefined);
  return given.length === 0 || given.length === names.length;
};

/**
 * A browser origin, such as https://example.com: `allowedOrigins` here and ALLOWED_ORIGINS (src/config.ts).
 * An http:// or https:// URL with a host: `localhost:5173` parses as a URL (its scheme "localhost:") but its
 * origin is "null", so the origin policy could never match it, while a list that is not empty refuses the
 * server's own origin. The message names the entry (an index into the list would not tell which one).
 */
export const Origin = z.string().refine(isHttpOrigin, {
  error: (issue) => `${JSON.stringify(issue.input)} must be an http:// or https:// origin such as https://example.com`,
});

function isHttpOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin !== 'null';
  } catch {
    return false;
  }
}

const Secret = z.string().min(MIN_SESSION_SECRET_CHARS, `must be at least ${MIN_SESSION_SECRET_CHARS} characters`);

/** A per-user budget of HTTP requests (src/user-budgets.ts), or `false` for none. */
const RateBudget = z.union([
  z.literal(false),
  z.object({ rate: z.number().positive(), burst: z.number().min(1) }).strict(),
]);

/**
 * Express's `trust proxy` setting. Addresses are compiled here, so a bad one
 * is named at construction rather than thrown by proxy-addr from inside.
 */
const TrustProxy = z.union([
  z.boolean(),
  z.number().refine((n) => Number.isInteger(n) && n >= 0, 'must be a whole number of proxy hops (0 or more)'),
  z.custom<(addr: string, hop: number) => boolean>((value) => typeof value === 'function'),
  z.union([z.string(), z.array(z.string())]).refine(trustProxyCompiles, "must be proxy addresses or subnets, such as 'loopback, 10.0.0.0/8'"),
], { error: "must be true, false, a number of proxy hops, proxy addresses (such as 'loopback, 10.0.0.0/8') or a function (addr, hop) => boolean" });

type OptionalKey<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? K : never }[keyof T];
type RequiredKey<T> = Exclude<keyof T, OptionalKey<T>>;

/**
 * An interface's methods, required and optional, each list complete: a method
 * added to the interface and not here is a compile error. An optional method
 * given as anything but a function would be a TypeError at the first request
 * that asks it, naming no option.
 */
interface MethodLists<T> {
  what: string;
  required: Record<RequiredKey<T>, true>;
  optional: Record<OptionalKey<T>, true>;
}
const methodLists = <T>(lists: MethodLists<T>) => ({
  what: lists.what,
  required: Object.keys(lists.required),
  optional: Object.keys(lists.optional),
});

/** The public interfaces and their methods (README "Bring your own auth and data"). */
const INTERFACES = {
  sessionResolver: methodLists<SessionResolver>({ what: 'a SessionResolver', required: { resolve: true }, optional: { stillValid: true } }),
  groupMemberFetcher: methodLists<GroupMemberFetcher>({
    what: 'a GroupMemberFetcher',
    required: { acceptedMembers: true },
    optional: { contactsOf: true, groupsOf: true, members: true },
  }),
  userDirectory: methodLists<UserDirectory>({ what: 'a UserDirectory', required: { existing: true }, optional: { profiles: true } }),
  messagePersister: methodLists<MessagePersister>({
    what: 'a MessagePersister',
    required: { savePrivate: true, saveGroup: true, saveNotification: true, privateHistory: true, groupHistory: true },
    optional: {
      messagesSince: true,
      messageByClientId: true,
      markDelivered: true,
      markRead: true,
      markGroupRead: true,
      conversationsOf: true,
      notificationsOf: true,
      unreadNotificationCount: true,
      markNotificationsRead: true,
    },
  }),
  messagePolicy: methodLists<MessagePolicy>({ what: 'a MessagePolicy', required: { check: true }, optional: {} }),
  broker: methodLists<Broker>({
    what: 'a Broker',
    required: { publish: true, setDeliver: true, close: true },
    optional: {
      userOnline: true,
      userOffline: true,
      setPresenceHandler: true,
      onlineAmong: true,
      publishDisconnect: true,
      setDisconnectHandler: true,
      publishInvalidation: true,
      setInvalidationHandler: true,
      setResubscribedHandler: true,
      rateLimitStore: true,
    },
  }),
} as const;

/** An object with the interface's required methods, whose optional ones, each one given, are methods too (one problem each). */
const implementing = ({ what, required, optional }: ReturnType<typeof methodLists>) =>
  withMethods(what, required).superRefine((value, ctx) => {
    if (!isObject(value)) return;
    for (const name of optional.filter((n) => !optionalMethod(value, n))) {
      ctx.addIssue({ code: 'custom', message: `${name}, when given, must be a method` });
    }
  });

/** pino-http reads the level table (`logger.levels.values`) beside the methods: without it, a TypeError at construction naming nothing. */
const LOGGER_METHODS = ['info', 'warn', 'error', 'debug', 'child'];
const hasLevelTable = (value: object): boolean => {
  const levels = (value as { levels?: unknown }).levels;
  return isObject(levels) && isObject(levels.values);
};
const PinoLogger = z.custom<object>((value) => hasMethods(value, LOGGER_METHODS) && hasLevelTable(value), {
  message: `must be a pino logger: ${theMethods(LOGGER_METHODS)}, and pino's level table levels.values`,
});

const Stores = z.custom<object>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    ['users', 'groups', 'messages', 'notifications', 'conversations', 'sessions', 'tokenVersions'].every(
      (k) => typeof (value as Record<string, unknown>)[k] === 'object' && (value as Record<string, unknown>)[k] !== null,
    ) &&
    typeof (value as { ping?: unknown }).ping === 'function',
  { message: 'must be the stores of openSqliteStores(...) or openPostgresStores(...)' },
);

/** The Manager options without a default, listed so that a new one cannot be forgotten here (a compile error). */
type OptionalManagerOption = { [K in keyof ManagerOptions]-?: undefined extends ManagerOptions[K] ? K : never }[keyof ManagerOptions];
const OPTIONAL_MANAGER_OPTIONS: Record<OptionalManagerOption, true> = { messagePolicy: true, verifyToken: true, tokensStillCurrent: true, logger: true };
const MANAGER_OPTION_NAMES = new Set([...Object.keys(DEFAULT_MANAGER_OPTIONS), ...Object.keys(OPTIONAL_MANAGER_OPTIONS)]);

/**
 * `manager`: Manager option names only, with values the Manager takes (its own
 * checks, run here rather than later). Every unknown name and every bad value
 * of a known one is named, the ones beside a misspelling included.
 */
const ManagerOptionsSchema = z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
  const known = Object.fromEntries(Object.entries(value).filter(([key]) => MANAGER_OPTION_NAMES.has(key)));
  for (const key of Object.keys(value).filter((key) => !MANAGER_OPTION_NAMES.has(key))) {
    ctx.addIssue({ code: 'custom', path: [key], message: 'unknown Manager option' });
  }
  for (const { option, problem } of managerOptionProblems(known as Partial<ManagerOptions>)) {
    // A value derived from another option (shedBufferedBytes from maxBufferedBytes) is named under `manager`: `manager.x` not given would read "is required".
    if (known[option] !== undefined) ctx.addIssue({ code: 'custom', path: [option], message: problem });
    else ctx.addIssue({ code: 'custom', message: `${option} ${problem}` });
  }
});

const OptionsSchema = z
  .object({
    stores: Stores,
    accounts: z.boolean().optional(),
    sessionSecret: z.union([Secret, z.array(Secret).min(1, 'must hold at least one secret')]).optional(),
    cookieName: z.string().regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'must be a cookie name').optional(),
    sessionMaxAgeMs: z.number().int().positive().optional(),
    allowedOrigins: z.array(Origin).optional(),
    adminUsers: z.array(z.string()).optional(),
    authRateLimit: z.number().int().min(0).optional(),
    bodyLimit: z.string().regex(/^\d+(b|kb|mb)?$/i, 'must be a size such as 100kb').optional(),
    passwordHashCost: z.number().int().min(10).max(20).optional(),
    sessionTimeoutMs: z.number().int().positive().max(MAX_TIMER_MS, TIMER_TOO_LONG).optional(),
    interfaceTimeoutMs: z.number().int().positive().max(MAX_TIMER_MS, TIMER_TOO_LONG).optional(),
    wsPath: z.string().startsWith('/', 'must start with /').optional(),
    trustProxy: TrustProxy.optional(),
    manager: ManagerOptionsSchema.optional(),
    logger: PinoLogger.optional(),
    broker: implementing(INTERFACES.broker).optional(),
    sessionResolver: implementing(INTERFACES.sessionResolver).optional(),
    groupMemberFetcher: implementing(INTERFACES.groupMemberFetcher).optional(),
    userDirectory: implementing(INTERFACES.userDirectory).optional(),
    messagePersister: implementing(INTERFACES.messagePersister)
      .refine((p) => allOrNone(p, NOTIFICATION_READS), `${NOTIFICATION_READS.join(', ')}: give all three or none`)
      .optional(),
    messagePolicy: implementing(INTERFACES.messagePolicy).optional(),
    tokens: z
      .union([
        z.literal(false),
        z
          .object({
            secret: z.string().min(32, 'must be at least 32 characters').optional(),
            ttlSeconds: z.number().int().min(MIN_TOKEN_TTL_SECONDS, `must be at least ${MIN_TOKEN_TTL_SECONDS}`).max(MAX_TOKEN_TTL_SECONDS, `must be at most ${MAX_TOKEN_TTL_SECONDS} (366 days)`).optional(),
            audience: z.string().min(1, 'must not be empty').optional(),
          })
          .strict(),
      ])
      .optional(),
    processMetrics: z.boolean().optional(),
    httpRateLimit: z.object({ sends: RateBudget.optional(), reads: RateBudget.optional() }).strict().optional(),
  })
  .strict();

/** Rules between options, judged even when single options are bad, so one error names everything. */
function rulesBetween(o: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const hostSessions = o.sessionResolver !== undefined;
  if (hostSessions && o.accounts === true) {
    problems.push('accounts: must not be true with a host sessionResolver: Parlor would write sessions it does not own');
  }
  if (!hostSessions && o.sessionSecret === undefined) {
    problems.push('sessionSecret: is required while Parlor keeps its own sessions (no sessionResolver given)');
  }
  // Without `tokens`, a host sessionResolver and no key leave tokens off (said in the log); asking for them without a key is a mistake.
  const tokens = o.tokens as { secret?: unknown } | false | undefined;
  if (hostSessions && typeof tokens === 'object' && tokens !== null && tokens.secret === undefined && o.sessionSecret === undefined) {
    problems.push('tokens: bearer tokens need a key: add tokens.secret (32+ characters) or sessionSecret, or pass tokens: false');
  }
  return problems;
}

/** Throws `ParlorOptionsError` naming every bad option; returns nothing on success. */
export function checkParlorOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null) throw new ParlorOptionsError(['options: must be an object']);
  // Not `reportInput`: zod's error serialises each issue's input, and the options hold stores and brokers (timers, sockets) that do not serialise.
  const result = OptionsSchema.safeParse(options);
  const problems = [...(result.success ? [] : result.error.issues.flatMap((issue) => describeIssue(issue, options))), ...rulesBetween(options as Record<string, unknown>)];
  if (problems.length > 0) throw new ParlorOptionsError(problems);
}

function describeIssue(issue: z.core.$ZodIssue, options: object): string[] {
  if (issue.code === 'unrecognized_keys') return issue.keys.map((k) => `${k}: unknown option`);
  const where = issue.path.length > 0 ? issue.path.join('.') : 'options';
  const input = issue.path.reduce<unknown>((value, key) => (value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined), options);
  const message = input === undefined ? 'is required' : issue.message;
  return [`${where}: ${message}`];
}
