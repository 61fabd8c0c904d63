/**
 * Mounting Parlor into an existing Express app and HTTP server.
 * In your app, import from 'parlor' instead of '../src/index.js'.
 * test/integration/mount-example.test.ts runs this very file.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import express from 'express';
import { createParlor, openSqliteStores } from '../src/index.js';

export async function main(options: { port?: number; sqlitePath?: string; passwordHashCost?: number } = {}) {
  // Your app, with its own routes.
  const app = express();
  app.get('/hello', (_req, res) => {
    res.json({ hello: 'from the host app' });
  });

  // Parlor: a store, a secret, the routes and the socket endpoint.
  const stores = openSqliteStores({ path: options.sqlitePath ?? './data/parlor.db' });
  const parlor = createParlor({
    stores,
    // Keep a real secret in the environment; a random one logs everybody out on restart.
    sessionSecret: process.env.SESSION_SECRET ?? randomBytes(32).toString('hex'),
    adminUsers: ['alice'],
    passwordHashCost: options.passwordHashCost, // default 17 (OWASP); tests pass less
  });
  app.use(parlor.router); // /api/*
  app.use(parlor.opsRouter); // /healthz, /metrics (behind your own guard if they should not be public)

  const server = createServer(app);
  parlor.attach(server); // GET /ws upgrades

  // The host app can reach users directly too.
  app.post('/hooks/ping/:userId', async (req, res) => {
    const notification = await parlor.manager.notify(Number(req.params.userId), 'ping', 'Someone pinged you');
    res.status(201).json(notification);
  });

  await new Promise<void>((resolve) => server.listen(options.port ?? 3000, '127.0.0.1', resolve));

  return {
    server,
    parlor,
    async close() {
      await parlor.close(); // sockets close with 1001 after pending writes
      await new Promise((resolve) => server.close(resolve));
      await stores.close();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { server } = await main();
  console.log('listening on', server.address());
}
