/**
 * An existing Express app that owns its users, its groups, its login and its
 * sessions (tables users, groups, group_members and session, the last from
 * express-session on connect-pg-simple, in its own PostgreSQL database), and
 * mounts Parlor under /chat. Parlor reads the host's session, users and groups;
 * it never writes them, and mounts no account or group-management routes.
 * Parlor's chat store is SQLite here, or PostgreSQL in its own schema
 * (`parlor`) of the same database with `chatStore: 'postgres'`.
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
import {
  createParlor,
  expressSessionResolver,
  openPostgresStores,
  openSqliteStores,
  type GroupMemberFetcher,
  type Parlor,
  type UserDirectory,
} from '../../src/index.js';

declare module 'express-session' {
  interface SessionData {
    /** What this host app keeps in its session: its own user id. */
    accountId: number;
  }
}

const hash = promisify(scrypt) as (password: string, salt: string, length: number) => Promise<Buffer>;

export interface ExistingAppOptions {
  /** The host's PostgreSQL database: its users, groups and sessions. */
  databaseUrl: string;
  /** Parlor's chat store: a SQLite file (default), or PostgreSQL in the schema `parlor` of the host's database. */
  chatStore?: 'sqlite' | 'postgres';
  /** The SQLite file, when `chatStore` is sqlite. */
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
  await db.query(`CREATE TABLE IF NOT EXISTS groups (id serial PRIMARY KEY, name text NOT NULL)`);
  await db.query(`CREATE TABLE IF NOT EXISTS group_members (
    group_id integer NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    user_id integer NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
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
  const stores =
    o.chatStore === 'postgres' ? await openPostgresStores({ connectionString: o.databaseUrl, poolSize: 5 }) : openSqliteStores({ path: o.chatDbPath });
  // The host's users: who exists (asked before a message, a notification or an
  // invitation is stored; confirmed ids are cached) and their names for clients.
  const userDirectory: UserDirectory = {
    existing: async (ids) => (await db.query<{ id: number }>('SELECT id FROM users WHERE id = ANY($1)', [ids])).rows.map((r) => r.id),
    profiles: async (ids) => (await db.query<{ id: number; username: string }>('SELECT id, username FROM users WHERE id = ANY($1)', [ids])).rows,
  };
  // The host's groups: who is in one (cached per group until parlor.invalidateGroup),
  // and the lists behind GET /chat/api/groups and /chat/api/groups/:id/members.
  const memberIds = async (groupId: number) =>
    (await db.query<{ user_id: number }>('SELECT user_id FROM group_members WHERE group_id = $1 ORDER BY user_id', [groupId])).rows.map((r) => r.user_id);
  const groupMemberFetcher: GroupMemberFetcher = {
    acceptedMembers: async (groupId) => ((await db.query('SELECT 1 FROM groups WHERE id = $1', [groupId])).rowCount ? memberIds(groupId) : null),
    contactsOf: async (userId) =>
      (
        await db.query<{ user_id: number }>(
          `SELECT DISTINCT o.user_id FROM group_members m JOIN group_members o ON o.group_id = m.group_id AND o.user_id <> m.user_id WHERE m.user_id = $1`,
          [userId],
        )
      ).rows.map((r) => r.user_id),
    groupsOf: async (userId) =>
      (
        await db.query<{ id: number; name: string }>(
          'SELECT g.id, g.name FROM groups g JOIN group_members m ON m.group_id = g.id WHERE m.user_id = $1 ORDER BY g.id',
          [userId],
        )
      ).rows.map((g) => ({ ...g, status: 'accepted' as const })),
    members: async (groupId) => (await memberIds(groupId)).map((id) => ({ id, status: 'accepted' as const })),
  };
  const parlor = createParlor({
    // The host's own session, on HTTP and on the /chat/ws upgrade; Parlor mounts no account routes.
    sessionResolver: expressSessionResolver(hostSession, (s) => s.accountId, { cookieName: 'app.sid' }),
    stores,
    userDirectory,
    groupMemberFetcher,
    // Bearer tokens for the host's mobile app: parlor.tokens.issue(userId).
    tokens: { secret: o.sessionSecret ? `${o.sessionSecret}:tokens` : randomBytes(32).toString('hex') },
  });
  app.use('/chat', parlor.router);
  app.use('/internal', requireLogin, parlor.opsRouter); // /internal/healthz, /internal/metrics

  // The host's own group management: it writes its tables, then tells Parlor
  // (on every instance) that the members changed, and notifies the new member.
  app.post('/groups', requireLogin, async (req, res) => {
    const { name } = req.body as { name: string };
    const { rows } = await db.query<{ id: number }>('INSERT INTO groups (name) VALUES ($1) RETURNING id', [name]);
    await db.query('INSERT INTO group_members (group_id, user_id) VALUES ($1, $2)', [rows[0]!.id, req.session.accountId]);
    res.status(201).json({ id: rows[0]!.id, name });
  });
  app.post('/groups/:id/members', requireLogin, async (req, res) => {
    const groupId = Number(req.params.id);
    const { user_id: userId } = req.body as { user_id: number };
    const { rows } = await db.query<{ name: string }>(
      'SELECT g.name FROM groups g JOIN group_members m ON m.group_id = g.id WHERE g.id = $1 AND m.user_id = $2',
      [groupId, req.session.accountId],
    );
    if (!rows[0]) return void res.status(404).json({ error: 'no such group' });
    await db.query('INSERT INTO group_members (group_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [groupId, userId]);
    parlor.invalidateGroup(groupId);
    await parlor.manager.notify(userId, 'group_added', `you were added to ${rows[0].name}`, { group_id: groupId });
    res.status(201).json({ group_id: groupId, user_id: userId });
  });

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
