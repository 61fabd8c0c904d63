#!/usr/bin/env node
/** `npm start`: the standalone Parlor server. */
import { ConfigError } from './config.js';
import { createLogger } from './logger.js';
import { startServer } from './standalone.js';

const logger = createLogger();

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
