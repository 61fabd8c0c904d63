/**
 * Shared test support (socket.io `test/support/util.ts`): a real server on
 * port 0 with a temporary SQLite file, real `ws` clients, and helpers to wait
 * for frames. Every test file uses these instead of its own copies.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import supertest from 'supertest';
import { afterAll, afterEach, beforeAll } from 'vitest';
import WebSocket from 'ws';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../src/standalone.js';
import type { ManagerOptions } from '../../src/websocket/options.js';
import { silentLogger, type Logger } from '../../src/logger.js';

/** Anything serving Parlor over HTTP: the standalone test server, or a host app that mounted it. */
export interface HttpTarget {
  url: string;
  wsUrl: string;
  http: ReturnType<typeof supertest>;
}

export interface TestServer extends RunningServer, HttpTarget {
  dir: string;
}

const servers = new Set<TestServer>();
const sockets = new Set<WebSocket>();
const dirs = new Set<string>();
/** Servers whose data folder was passed in: the folder outlives them (restart tests). */
const borrowedDirs = new WeakSet<TestServer>();

/** The HTTP and WebSocket addresses of a server listening at `url` (e.g. a host app in a test). */
export function targetOf(url: string): HttpTarget {
  return { url, wsUrl: `${url.replace('http', 'ws')}/ws`, http: supertest(url) };
}

/** A temporary folder removed by `closeAll()`. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'parlor-test-'));
  dirs.add(dir);
  return dir;
}

export interface StartOptions {
  /** Data folder (SQLite file, generated secret); reuse one to restart "the same" server. Default: a fresh one. */
  dir?: string;
  /** Default: silent. */
  logger?: Logger;
  /** Manager options without an env var, e.g. a short `typingTimeoutMs`. */
  manager?: Partial<ManagerOptions>;
  /** The demo page's folder (default: none is served when running from the sources). */
  publicDir?: string;
}

/**
 * The environment of an in-process standalone start in the tests: an ephemeral
 * port on loopback, a SQLite file in `dir`, a test secret, a cheap password
 * hash, no logs; `env` overrides any of them.
 */
export function testServerEnv(dir: string, env: Record<string, string> = {}): Record<string, string> {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    SQLITE_PATH: join(dir, 'parlor.db'),
    SESSION_SECRET: 'test-secret-test-secret-test-secret',
    PASSWORD_HASH_COST: '10',
    LOG_LEVEL: 'silent',
    ...env,
  };
}

/**
 * Starts the standalone server on an ephemeral port; `env` overrides the test
 * defaults (an empty string unsets a default, e.g. `SESSION_SECRET: ''`).
 */
export async function startTestServer(env: Record<string, string> = {}, options: StartOptions = {}): Promise<TestServer> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'parlor-test-'));
  const running = await startServer(testServerEnv(dir, { AUTH_RATE_LIMIT: '0', ...env }), {
    logger: options.logger ?? silentLogger,
    manager: options.manager,
    publicDir: options.publicDir,
  });
  const server: TestServer = { ...running, ...targetOf(running.url), dir };
  if (options.dir) borrowedDirs.add(server);
  servers.add(server);
  return server;
}

/** Stops the server; its data folder is removed unless it was passed in to `startTestServer`. */
export async function stopTestServer(server: TestServer): Promise<void> {
  if (!servers.delete(server)) return;
  await server.close();
  if (!borrowedDirs.has(server)) rmSync(server.dir, { recursive: true, force: true });
}

/** A logger that keeps every line it is given, parsed, for assertions on what the server logs. */
export function captureLogger(level: 'info' | 'debug' = 'info'): { logger: Logger; lines: Array<Record<string, any>> } {
  const lines: Array<Record<string, any>> = [];
  const logger = pino({ level }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

export interface TestUser {
  id: number;
  username: string;
  password: string;
  cookie: string;
}

let userSeq = 0;

/** Registers a fresh user and returns its session cookie. */
export async function registerUser(server: HttpTarget, name?: string): Promise<TestUser> {
  const username = name ?? `user${process.pid}_${++userSeq}`;
  const password = 'correct horse battery';
  const res = await server.http.post('/api/auth/register').send({ username, password }).expect(201);
  return { ...res.body, password, cookie: cookieOf(res.headers['set-cookie']) };
}

type Tuple<T, N extends number, R extends T[] = []> = number extends N ? T[] : R['length'] extends N ? R : Tuple<T, N, [T, ...R]>;

/** Registers `n` fresh users at once: `const [alice, bob] = await registerUsers(server, 2)`. */
export function registerUsers<N extends number>(server: HttpTarget, n: N): Promise<Tuple<TestUser, N>> {
  return Promise.all(Array.from({ length: n }, () => registerUser(server))) as Promise<Tuple<TestUser, N>>;
}

/** Signs in again (a second session of the same user, e.g. another device); returns its cookie. */
export async function login(server: HttpTarget, user: TestUser): Promise<string> {
  const res = await server.http.post('/api/auth/login').send({ username: user.username, password: user.password }).expect(200);
  return cookieOf(res.headers['set-cookie']);
}

/** Creates a group owned by `owner`; `members` are invited and accept, `invited` are only invited. Returns its id. */
export async function createGroup(
  server: HttpTarget,
  owner: TestUser,
  members: TestUser[] = [],
  invited: TestUser[] = [],
  name = 'group',
): Promise<number> {
  const { body } = await server.http.post('/api/groups').set('cookie', owner.cookie).send({ name }).expect(201);
  for (const user of [...members, ...invited]) {
    await server.http.post('/api/groups/invite').set('cookie', owner.cookie).send({ group_id: body.id, user_id: user.id }).expect(201);
  }
  for (const user of members) {
    await server.http.post(`/api/groups/${body.id}/accept`).set('cookie', user.cookie).expect(200);
  }
  return body.id as number;
}

/** The `name=value` part of the session cookie from a Set-Cookie header. */
export function cookieOf(setCookie: string | string[] | undefined): string {
  const first = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  if (!first) throw new Error('no Set-Cookie header');
  return first.split(';')[0]!;
}

/** A real `ws` client that records every frame it receives. */
export interface TestClient {
  ws: WebSocket;
  frames: Array<Record<string, any>>;
  send(frame: unknown): void;
  /** Resolves with the next frame of `type` (matching `where`) not yet taken, waiting up to `ms`. */
  next(type: string, where?: (f: Record<string, any>) => boolean, ms?: number): Promise<Record<string, any>>;
  /** Frames of `type` received so far. */
  all(type: string): Array<Record<string, any>>;
  closed: Promise<{ code: number; reason: string }>;
}

export function connectClient(
  server: HttpTarget,
  cookie?: string,
  options: { headers?: Record<string, string>; url?: string } = {},
): Promise<TestClient> {
  const headers: Record<string, string> = { ...options.headers };
  if (cookie) headers.cookie = cookie;
  const ws = new WebSocket(options.url ?? server.wsUrl, { headers });
  sockets.add(ws);
  const frames: Array<Record<string, any>> = [];
  const taken = new Set<Record<string, any>>();
  const waiters = new Set<() => void>();
  ws.on('message', (data) => {
    frames.push(JSON.parse(data.toString()));
    for (const w of [...waiters]) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => {
      sockets.delete(ws);
      resolve({ code, reason: reason.toString() });
    }),
  );
  const client: TestClient = {
    ws,
    frames,
    closed,
    send: (frame) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    all: (type) => frames.filter((f) => f.type === type),
    next(type, where = () => true, ms = 3000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = frames.find((f) => f.type === type && !taken.has(f) && where(f));
          if (!found) return;
          taken.add(found);
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no '${type}' frame within ${ms} ms; got: ${JSON.stringify(frames.map((f) => f.type))}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => client.next('welcome').then(() => resolve(client), reject));
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    ws.once('error', reject);
  });
}

/** One connection per entry, in order (repeat a user for several connections): `const [a1, a2, b1] = await connectAll(server, [alice, alice, bob])`. */
export function connectAll<const T extends readonly TestUser[]>(server: HttpTarget, users: T): Promise<{ -readonly [K in keyof T]: TestClient }> {
  return Promise.all(users.map((u) => connectClient(server, u.cookie))) as Promise<{ -readonly [K in keyof T]: TestClient }>;
}

/**
 * The HTTP status an upgrade was refused with; 0 when the server closed the
 * socket without an HTTP answer. Rejects if the upgrade was accepted.
 */
export function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('upgrade was accepted'));
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.once('error', () => resolve(0));
  });
}

/** Resolves with the client's close code and reason; rejects when it is still open after `ms`. */
export function closedWithin(client: TestClient, ms: number): Promise<{ code: number; reason: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`socket still open after ${ms} ms`)), ms)));
  return Promise.race([client.closed, timeout]).finally(() => clearTimeout(timer));
}

/** The session id inside a session cookie `name=s%3A<sid>.<signature>` (to reach the row in the store). */
export function sessionIdOf(cookie: string): string {
  const value = decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1));
  return value.slice(2, value.lastIndexOf('.'));
}

/** Asserts that nothing matching arrives for `ms` (use sparingly: it waits). */
export async function expectNoFrame(client: TestClient, type: string, ms = 150, where: (f: Record<string, any>) => boolean = () => true): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
  const got = client.frames.filter((f) => f.type === type && where(f));
  if (got.length > 0) throw new Error(`unexpected '${type}' frames: ${JSON.stringify(got)}`);
}

/** Waits `ms`, then asserts exactly `count` frames of `type` (matching `where`) arrived in all (taken or not). */
export async function expectFrameCount(
  client: TestClient,
  type: string,
  count: number,
  ms = 150,
  where: (f: Record<string, any>) => boolean = () => true,
): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
  const got = client.frames.filter((f) => f.type === type && where(f));
  if (got.length !== count) throw new Error(`expected ${count} '${type}' frames, got ${got.length}: ${JSON.stringify(got)}`);
}

/** Closes every client and server a test opened. Call from afterEach/afterAll. */
export async function closeAll(): Promise<void> {
  for (const ws of sockets) ws.terminate();
  sockets.clear();
  await Promise.all([...servers].map(stopTestServer));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

/**
 * The server still does its job after whatever a test threw at it: /healthz is
 * 200, and a fresh user registers, connects and gets an ack for a message.
 */
export async function expectServing(server: TestServer): Promise<void> {
  const health = await server.http.get('/healthz');
  if (health.status !== 200) throw new Error(`/healthz answered ${health.status}`);
  const user = await registerUser(server);
  const client = await connectClient(server, user.cookie);
  client.send({ type: 'private', to: user.id, content: 'still serving', client_id: 'serving-check' });
  const ack = await client.next('ack', (f) => f.client_id === 'serving-check');
  if (typeof ack.id !== 'number') throw new Error(`bad ack ${JSON.stringify(ack)}`);
  client.ws.terminate();
  await client.closed;
}

/** Polls `predicate` every 10 ms until it holds, or throws after `ms`. */
export async function waitFor(predicate: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * For a describe block that throws abuse at one server: the server and a
 * registered user (handed to `ready`), and after each test the server must
 * still serve (expectServing) with every socket closed.
 */
export function useSurvivingServer(ready: (server: TestServer, user: TestUser) => void): void {
  let server: TestServer;
  beforeAll(async () => {
    // Dozens of raw connections of one user: the per-user connect budget (ws-limits.test.ts) is not what these suites test.
    server = await startTestServer({ WS_CONNECT_RATE: '1000', WS_CONNECT_BURST: '1000' });
    ready(server, await registerUser(server));
  });
  afterEach(async () => {
    await expectServing(server);
    await waitFor(() => server.parlor.manager.connectionCount === 0, 3000, 'every socket closed');
  });
  afterAll(closeAll);
}
