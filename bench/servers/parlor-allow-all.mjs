// Parlor's standalone server, built (`dist/`), exactly as `node dist/server.js`
// runs it, plus a `messagePolicy` that allows everything: what the policy
// hook itself costs on the private path (`npm run bench -- --policy`).

import { createLogger } from '../../dist/logger.js';
import { startServer } from '../../dist/standalone.js';

const allowAll = { check: () => ({ allow: true }) };
const logger = createLogger();
const running = await startServer(process.env, { logger, manager: { messagePolicy: allowAll } });
for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => running.close().then(() => process.exit(0)));
