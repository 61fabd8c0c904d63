// Parlor's standalone server, built (`dist/`), exactly as `node dist/server.js`
// runs it, plus a `messagePolicy` that allows everything: what the policy
// hook itself costs on the private path (`npm run bench -- --policy`).

// First, as in dist/server.js: V8 flags must be set before the modules whose objects they concern load.
import '../../dist/v8-settings.js';
import { createLogger } from '../../dist/logger.js';
import { startServer } from '../../dist/standalone.js';

const allowAll = { check: () => ({ allow: true }) };
const logger = createLogger();
const running = await startServer(process.env, { logger, manager: { messagePolicy: allowAll } });
for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => running.close().then(() => process.exit(0)));
