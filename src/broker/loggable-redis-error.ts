/**
 * ioredis puts the command that failed on its errors, arguments and all
 * (`err.command = {name, args}`; an aborted pipeline also lists the
 * commands it dropped): an `AUTH`'s password, a `PUBLISH`'s payload (chat
 * content, a logout's session id). A logger's error serializer copies every
 * enumerable field, so the broker logs Redis errors only through
 * `redisLog`, which keeps the name of a failed command but none of its
 * arguments. No credential in any log line at any level.
 */
import type { Logger } from '../logger.js';

/** The levels the broker logs at. */
export type BrokerLog = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

const DROPPED = new Set(['command', 'args', 'previousErrors', 'lastNodeError']);

/** The error without any field that may carry a command's arguments; the rest (message, name, stack, code) kept. */
export function loggableRedisError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const safe = new Error(err.message);
  safe.name = err.name;
  if (err.stack !== undefined) safe.stack = err.stack;
  const fields = safe as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(err)) if (!DROPPED.has(key)) fields[key] = value;
  const command = (err as { command?: { name?: unknown } }).command;
  if (typeof command?.name === 'string') fields.commandName = command.name;
  return safe;
}

/** `log`, with the `err` of every line made loggable first. */
export function redisLog(log: Logger): BrokerLog {
  const level =
    (name: keyof BrokerLog) =>
    (obj: unknown, ...rest: unknown[]): void => {
      const line = typeof obj === 'object' && obj !== null && 'err' in obj ? { ...obj, err: loggableRedisError((obj as { err: unknown }).err) } : obj;
      (log[name] as (...args: unknown[]) => void)(line, ...rest);
    };
  return { debug: level('debug'), info: level('info'), warn: level('warn'), error: level('error') } as BrokerLog;
}
