/**
 * What Parlor logs of an error it did not make: a host interface's (its
 * session store, user directory, group fetcher) or a library's. Such errors
 * carry whatever their library put on them: ioredis the failed command and
 * its arguments (`GET sess:<session id>`), HTTP clients the request's
 * headers (`Authorization`), drivers the values of a query. A logger's error
 * serializer copies every enumerable field, so these are logged through
 * `loggableError`, which keeps what tells an operator what failed (type,
 * message, stack, code, the name of a failed Redis command, the causes
 * alike) and nothing else. No credential in any log line at any level.
 *
 * The rule lives in the logger, not at each call: every door that takes a
 * logger (createParlor, the Manager, the Redis broker, the stores) logs through
 * `withLoggableErrors(logger)`, a child whose `err` serializer applies
 * `loggableError`, so a log line written later cannot forget it.
 */
import { stdSerializers } from 'pino';
import type { Logger } from './logger.js';

/** Fields kept besides message and stack: codes, never values. */
const KEPT = ['code', 'errno', 'syscall', 'interfaceName'] as const;

/** How deep causes and aggregated errors are followed. */
const MAX_DEPTH = 4;

export function loggableError(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error)) {
    // A thrown non-Error may be anything (an object holding a token): only its kind is logged.
    return err === null || err === undefined || typeof err !== 'object' ? err : `[thrown ${Object.prototype.toString.call(err)}]`;
  }
  const safe = new Error(err.message) as Error & Record<string, unknown>;
  safe.name = err.name;
  // The log's `type` is the constructor's name (pino): kept, without the original's fields.
  Object.defineProperty(safe, 'constructor', { value: err.constructor, enumerable: false });
  if (err.stack !== undefined) safe.stack = err.stack;
  const source = err as unknown as Record<string, unknown>;
  for (const key of KEPT) {
    const value = source[key];
    if (typeof value === 'string' || typeof value === 'number') safe[key] = value;
  }
  const command = (source.command as { name?: unknown } | undefined)?.name;
  if (typeof command === 'string') safe.commandName = command;
  if (depth < MAX_DEPTH) {
    if (source.cause !== undefined) safe.cause = loggableError(source.cause, depth + 1);
    if (Array.isArray(source.errors)) safe.errors = source.errors.map((e: unknown) => loggableError(e, depth + 1));
  }
  return safe;
}

/**
 * pino's own error serializer, given only what `loggableError` keeps. Exported for
 * pino-http, whose child logger brings an `err` serializer of its own.
 */
export function serializeLoggableError(err: unknown): unknown {
  const safe = loggableError(err);
  return safe instanceof Error ? stdSerializers.err(safe) : safe;
}

/**
 * `logger`, with every line's `err` (and an error logged as the first
 * argument) made loggable: a child logger, so its own children and every
 * component handed it keep the rule. A logger without `child` (a test's
 * stand-in) is returned as it is.
 */
export function withLoggableErrors(logger: Logger): Logger {
  if (typeof logger.child !== 'function' || ruled.has(logger)) return logger;
  const child = logger.child({}, { serializers: { err: serializeLoggableError } });
  ruled.add(child);
  return child;
}

/** `options` with its `logger`, when it has one, through withLoggableErrors: the stores' doors (openSqliteStores, openPostgresStores). */
export function withLoggableLogger<O extends { logger?: Logger }>(options: O): O {
  return options.logger ? { ...options, logger: withLoggableErrors(options.logger) } : options;
}

/** Loggers withLoggableErrors made: createParlor hands its own to the Manager, which need not wrap it again. */
const ruled = new WeakSet<Logger>();
