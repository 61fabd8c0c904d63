/**
 * An existing Express app that owns its users, its login and its sessions
 * (express-session on connect-pg-simple, in its own PostgreSQL database), and
 * mounts Parlor under /chat. Parlor reads the host's session; it never writes
 * one, and mounts no account routes of its own.
 *
 * In your app, import from 'parlor' instead of '../../src/index.js'.
 * test/integration/existing-app.test.ts runs this very file.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { promisify } from 'node:util';
import connectPgSimple from 'connect-pg-simple';
import express, { type RequestHandler } from 'express';
import session from 'express-session';
import pg from 'pg';
import { createParlor, expressSessionResolver, openSqliteStores, type Parlor } from '../../src/index.js';

declare module 'express-session' {
  interface SessionData {
    /** What this host app keeps in its session: its own user id. */
    accountId: number;
  }
}

const hash = promisify(scrypt) as (password: string, salt: string, length: number) => Promise<Buffer>;

export interface ExistingAppOptions {
  /** The host's PostgreSQL database: its users and its sessions. */
  databaseUrl: string;
  /** Parlor's chat store (SQLite here; openPostgresStores works the same). */
  chatDbPath: string;
  port?: number;
  sessionSecret?: string;
}

export interface ExistingApp {
  server: Server;
  parlor: Parlor;
  close(): Promise<void>;
}

export async function main(o: ExistingAppOptions): Promise<ExistingApp> {
  // ---- the host app as it was before Parlor --------------------------------
  const db = new pg.Pool({ connectionString: o.databaseUrl, max: 5 });
  await db.query(`CREATE TABLE IF NOT EXISTS users (
    id serial PRIMARY KEY,
    username text NOT NULL UNIQUE,
    password_hash text NOT NULL
  )`);
  const PgStore = connectPgSimple(session);
  const hostSession = session({
    name: 'app.sid',
    secret: o.sessionSecret ?? randomBytes(32).toString('hex'),
    store: new PgStore({ pool: db, createTableIfMissing: true }),
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: 'lax' },
  });

  const app = express();
  app.use(hostSession);
  app.use(express.json());

  app.post('/signup', async (req, res) => {
    const { username, password } = req.body as { username: string; password: string };
    const salt = randomBytes(16).toString('hex');
    const digest = (await hash(password, salt, 32)).toString('hex');
    const { rows } = await db.query<{ id: number }>('INSERT INTO users (username, password_hash) VALUES ($1, $2) RETURNING id', [
      username,
      `${salt}:${digest}`,
    ]);
    res.status(201).json({ id: rows[0]!.id, username });
  });

  app.post('/login', async (req, res) => {
    const { username, password } = req.body as { username: string; password: string };
    const { rows } = await db.query<{ id: number; password_hash: string }>('SELECT id, password_hash FROM users WHERE username = $1', [username]);
    const [salt, digest] = (rows[0]?.password_hash ?? ':').split(':');
    const ok = rows[0] && timingSafeEqual(await hash(password, salt!, 32), Buffer.from(digest!, 'hex'));
    if (!ok) return void res.status(401).json({ error: 'wrong username or password' });
    req.session.regenerate((err) => {
      if (err) return void res.status(500).end();
      req.session.accountId = rows[0]!.id;
      res.json({ id: rows[0]!.id, username });
    });
  });

  const requireLogin: RequestHandler = (req, res, next) => (req.session.accountId ? next() : void res.status(401).json({ error: 'log in' }));

  app.get('/api/profile', requireLogin, async (req, res) => {
    const { rows } = await db.query('SELECT id, username FROM users WHERE id = $1', [req.session.accountId]);
    res.json(rows[0]);
  });

  // ---- Parlor, mounted into it ---------------------------------------------
  const stores = openSqliteStores({ path: o.chatDbPath });
  const parlor = createParlor({
    // The host's own session, on HTTP and on the /chat/ws upgrade; Parlor mounts no account routes.
    sessionResolver: expressSessionResolver(hostSession, (s) => s.accountId, { cookieName: 'app.sid' }),
    stores,
    // The host's users: who exists (asked before a message, a notification or an
    // invitation is stored; confirmed ids are cached) and their names for clients.
    userDirectory: {
      existing: async (ids) => (await db.query<{ id: number }>('SELECT id FROM users WHERE id = ANY($1)', [ids])).rows.map((r) => r.id),
      profiles: async (ids) => (await db.query<{ id: number; username: string }>('SELECT id, username FROM users WHERE id = ANY($1)', [ids])).rows,
    },
    // Bearer tokens for the host's mobile app: parlor.tokens.issue(userId).
    tokens: { secret: o.sessionSecret ? `${o.sessionSecret}:tokens` : randomBytes(32).toString('hex') },
  });
  app.use('/chat', parlor.router);
  app.use('/internal', requireLogin, parlor.opsRouter); // /internal/healthz, /internal/metrics

  // The host's logout also ends the chat sockets of that session, on every instance.
  app.post('/logout', requireLogin, (req, res) => {
    const sessionId = req.sessionID;
    req.session.destroy(() => {
      parlor.disconnectSession(sessionId);
      res.status(204).end();
    });
  });

  app.use((_req, res) => {
    res.status(404).json({ error: 'no such page' });
  });

  const server = createServer(app);
  parlor.attach(server, { path: '/chat/ws' });
  await new Promise<void>((ok) => server.listen(o.port ?? 3000, '127.0.0.1', ok));

  return {
    server,
    parlor,
    async close() {
      await parlor.close();
      server.closeAllConnections();
      await new Promise((ok) => server.close(ok));
      await stores.close();
      await db.end();
    },
  };
}
