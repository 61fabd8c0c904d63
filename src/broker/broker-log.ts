/**
 * ioredis puts the command that failed on its errors, arguments and all
 * (`err.command = {name, args}`; an aborted pipeline also lists the
 * commands it dropped): an `AUTH`'s password, a `PUBLISH`'s payload (chat
 * content, a logout's session id). A logger's error serializer copies every
 * enumerable field, so the broker logs only through `redisLog`, whose lines
 * carry their `err` as `loggableError` keeps it (src/loggable-error.ts: the
 * name of a failed command, none of its arguments). No credential in any log
 * line at any level.
 */
import { loggableError } from '../loggable-error.js';
import type { Logger } from '../logger.js';

/** The levels the broker logs at. */
export type BrokerLog = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

/** `log`, with the `err` of every line made loggable first. */
export function redisLog(log: Logger): BrokerLog {
  const level =
    (name: keyof BrokerLog) =>
    (obj: unknown, ...rest: unknown[]): void => {
      const line = typeof obj === 'object' && obj !== null && 'err' in obj ? { ...obj, err: loggableError((obj as { err: unknown }).err) } : obj;
      (log[name] as (...args: unknown[]) => void)(line, ...rest);
    };
  return { debug: level('debug'), info: level('info'), warn: level('warn'), error: level('error') } as BrokerLog;
}
