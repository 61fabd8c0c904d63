#!/usr/bin/env node
/** `npm start`: the standalone Parlor server. */
// First: V8 flags must be set before the modules whose objects they concern load.
import './v8-settings.js';
import { ConfigError, loadConfig } from './config.js';
import { withLoggableErrors } from './loggable-error.js';
import { createLogger } from './logger.js';
import { startServer } from './standalone.js';

// The configuration is read before the logger exists, so a bad LOG_LEVEL is named like any other variable.
let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(process.env);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  createLogger('info').fatal(err.message);
  process.exit(1);
}
// Through withLoggableErrors like every other door: a start's error (a driver's, a library's) may carry
// credentials in its fields, and "Parlor failed to start" logs it whole.
const logger = withLoggableErrors(createLogger(config.LOG_LEVEL));

try {
  const running = await startServer(process.env, { logger });
  let stopping = false;
  const stop = (signal: string) => {
    // A repeated signal (a supervisor that signals again, `kill` run twice) must not cut the graceful
    // shutdown short: with `process.once` it fell to Node's default action, death mid-shutdown.
    if (stopping) {
      logger.warn({ signal }, 'signal received again: the shutdown is already under way');
      return;
    }
    stopping = true;
    logger.info({ signal }, 'signal received');
    running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} catch (err) {
  if (err instanceof ConfigError) logger.fatal(err.message);
  else logger.fatal({ err }, 'Parlor failed to start');
  process.exit(1);
}
