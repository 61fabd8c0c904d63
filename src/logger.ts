import { pino, type Logger } from 'pino';

export type { Logger };

/** The process logger: JSON lines on stdout, level from LOG_LEVEL (default info). */
export function createLogger(level = process.env.LOG_LEVEL || 'info'): Logger {
  return pino({ name: 'parlor', level });
}

/** A logger that drops everything: the default for a Manager built in a test. */
export const silentLogger: Logger = pino({ level: 'silent' });
