/**
 * A SQLite file the server may read but not write (docs/operations.md
 * "/healthz on SQLite": "a write would be kept"): the start is refused,
 * naming SQLITE_PATH, and a write that fails for the storage inside a batch
 * fails the batch, so the store reports itself unhealthy.
 *
 * It used to be that SQLite opened such a file (restored from a backup as
 * root, say) read-only without a word: the server started, every write
 * failed with "attempt to write a readonly database", and /healthz stayed 200
 * for good, because SQLITE_READONLY comes from each write's statement inside
 * a still-open transaction, not from the COMMIT. batch-transaction.ts took it
 * for that one item's own failure, the batch "committed", and
 * StorageHealth.batchCommitted() kept the store healthy.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import supertest from 'supertest';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DatabaseOpenError, openDatabase } from '../../src/store/sqlite/database.js';
import { WriteQueue } from '../../src/store/sqlite/write-queue.js';
import { ensureBuilt, freePort, startServerProcess, stopServerProcess } from '../support/process.js';

const NOBODY = 65534;
const root = fileURLToPath(new URL('../..', import.meta.url));
const isRoot = process.getuid?.() === 0;

/** `chattr +i` makes a file unwritable even for root; it needs root and a filesystem that has the flag (ext4). */
function chattrWorks(): boolean {
  if (!isRoot) return false;
  try {
    execFileSync('sh', ['-c', 'command -v chattr'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function useDir(prefix: string): () => string {
  let dir: string | null = null;
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return () => (dir ??= mkdtempSync(join(tmpdir(), prefix)));
}

if (!isRoot) console.log('skipped: the server-as-nobody and chattr tests of a read-only SQLite file need root (to run a process as another user, or set chattr +i)');

describe.skipIf(!isRoot)('server process: a SQLite file its user may read but not write', () => {
  const dir = useDir('parlor-ro-');
  const children: Array<ReturnType<typeof spawn>> = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  });

  it('is refused at start with an error that names SQLITE_PATH and says it cannot be written', { timeout: 90_000 }, async () => {
    const dbPath = join(dir(), 'p.db');
    const env = { SQLITE_PATH: dbPath, SESSION_SECRET: 'readonly-file-secret-0123456789abcdef' };
    // The file made by a first start (as root), stopped cleanly: no -wal or -shm left.
    const first = await startServerProcess(env);
    await supertest(first.url).post('/api/auth/register').send({ username: 'ro_first', password: 'correct horse' }).expect(201);
    await stopServerProcess(first, 'SIGTERM');
    expect(existsSync(`${dbPath}-wal`)).toBe(false);
    // The folder is the service user's; the file is root's, readable by all (a restore done as root).
    chownSync(dir(), NOBODY, NOBODY);
    chmodSync(dbPath, 0o644);

    await ensureBuilt();
    const port = await freePort();
    const child = spawn(process.execPath, [join(root, 'dist', 'server.js')], {
      cwd: root,
      uid: NOBODY,
      gid: NOBODY,
      env: { PATH: process.env.PATH, HOST: '127.0.0.1', PASSWORD_HASH_COST: '10', LOG_LEVEL: 'info', ...env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exit = await new Promise<{ code: number | null; started: boolean }>((resolve) => {
      const timer = setInterval(() => {
        if (out.includes('"url"')) {
          clearInterval(timer);
          resolve({ code: null, started: true });
        }
      }, 20);
      child.once('exit', (code) => {
        clearInterval(timer);
        resolve({ code, started: false });
      });
    });
    expect(exit.started, `it started and answers: ${out}`).toBe(false);
    expect(exit.code).not.toBe(0);
    expect(out).toContain(`SQLITE_PATH: cannot open ${dbPath}`);
    expect(out).toMatch(/readonly database.*may read it but not write it/);
  });
});

describe.skipIf(!chattrWorks())('openDatabase: a file it cannot write (chattr +i, as root)', () => {
  const dir = useDir('parlor-ro-open-');
  let locked: string | null = null;
  afterEach(() => {
    if (locked) execFileSync('chattr', ['-i', locked]);
    locked = null;
  });

  it('throws DatabaseOpenError naming the path, instead of opening it read-only', () => {
    const path = join(dir(), 'locked.db');
    openDatabase({ path }).close();
    execFileSync('chattr', ['+i', path]);
    locked = path;
    let thrown: unknown;
    try {
      openDatabase({ path }).close();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(DatabaseOpenError);
    expect((thrown as Error).message).toMatch(new RegExp(`^cannot open ${path}: attempt to write a readonly database \\(this process may read it`));
  });
});

describe('a batch on a connection that cannot write (opened read-only)', () => {
  const dir = useDir('parlor-ro-batch-');
  const opened: BetterSqlite3.Database[] = [];
  afterAll(() => {
    for (const db of opened.reverse()) db.close();
  });

  function connections() {
    const path = join(dir(), `batch-${opened.length}.db`);
    const writable = new BetterSqlite3(path);
    writable.pragma('journal_mode = WAL');
    writable.exec('CREATE TABLE t (x INTEGER NOT NULL)');
    // The writable one stays open: the read-only one needs the -wal and -shm it keeps.
    const readonly = new BetterSqlite3(path, { readonly: true });
    opened.push(writable, readonly);
    return { writable, readonly };
  }

  it('fails as a whole with SQLITE_READONLY, and the store is unhealthy (not "committed")', async () => {
    const { readonly } = connections();
    const queue = new WriteQueue(readonly);
    const insert = readonly.prepare('INSERT INTO t (x) VALUES (?)');
    const results = await Promise.allSettled([1, 2, 3].map((x) => queue.enqueue(() => insert.run(x))));
    expect(results.map((r) => (r.status === 'rejected' ? (r.reason as { code?: string }).code : r.status))).toEqual([
      'SQLITE_READONLY',
      'SQLITE_READONLY',
      'SQLITE_READONLY',
    ]);
    expect(queue.storage.failure).toMatchObject({ code: 'SQLITE_READONLY' });
    expect(queue.stats).toMatchObject({ batches: 0, failed: 3 });
  });

  it('a bad write among good ones on a writable connection still fails alone, and the store stays healthy', async () => {
    const { writable } = connections();
    const queue = new WriteQueue(writable);
    const insert = writable.prepare('INSERT INTO t (x) VALUES (?)');
    const results = await Promise.allSettled([1, null, 3].map((x) => queue.enqueue(() => insert.run(x))));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'SQLITE_CONSTRAINT_NOTNULL' });
    expect(queue.storage.failure).toBeNull();
    expect(queue.stats).toMatchObject({ batches: 1, committed: 2, failed: 1 });
    expect(writable.prepare('SELECT x FROM t ORDER BY x').pluck().all()).toEqual([1, 3]);
  });
});
