#!/usr/bin/env node
/** `npm start`: the standalone Parlor server. */
// First: V8 flags must be set before the modules whose objects they concern load.
import './v8-settings.js';
import { ConfigError, loadConfig } from './config.js';
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
const logger = createLogger(config.LOG_LEVEL);

try {
  const running = await startServer(process.env, { logger });
  const stop = (signal: string) => {
    logger.info({ signal }, 'signal received');
    running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
} catch (err) {
  if (err instanceof ConfigError) logger.fatal(err.message);
  else logger.fatal({ err }, 'Parlor failed to start');
  process.exit(1);
}
