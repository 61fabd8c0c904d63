/**
 * The SQLite `-wal` file removed or replaced under a running server
 * (docs/operations.md "/healthz on SQLite"; contract §3: no client holds an
 * ack for a message the next start cannot find).
 *
 * In WAL mode every commit goes to `<db>-wal` first. When that file is
 * removed (a cleanup script, `rm data/*-wal`, a copy of the folder that
 * leaves the main file), the connections go on appending to the unlinked
 * file. It used to be that only the main file was checked: the worker went on
 * acking, /healthz stayed 200, and after a kill -9 every message acked since
 * was gone (and its id given again). Now the WAL's device and inode are
 * recorded too: a batch is refused (`internal`, no ack) and ping() fails,
 * while a checkpoint that truncates the WAL (same file) changes nothing.
 */
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import supertest from 'supertest';
import WebSocket from 'ws';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FILE_GONE } from '../../src/store/sqlite/file-health.js';
import { openSqliteStores, type SqliteStores, type WriterKind } from '../../src/store/sqlite/index.js';
import { startServerProcess, stopServerProcess, type ServerProcess } from '../support/process.js';
import { cookieOf } from '../support/server.js';

describe('sqlite stores: the -wal file removed or replaced while they are open', () => {
  const opened: SqliteStores[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const open = (writer: WriterKind) => {
    const dir = mkdtempSync(join(tmpdir(), 'parlor-wal-'));
    dirs.push(dir);
    const path = join(dir, 'parlor.db');
    const stores = openSqliteStores({ path, writer, sessionPruneIntervalMs: 0 });
    opened.push(stores);
    return { stores, wal: `${path}-wal` };
  };

  for (const writer of ['worker', 'inline'] as WriterKind[]) {
    for (const how of ['removed', 'replaced'] as const) {
      it(`${writer} writer, -wal ${how}: ping() rejects and a write is refused (${FILE_GONE})`, async () => {
        const { stores, wal } = open(writer);
        await stores.users.createUser('alice', 'h');
        await expect(stores.ping()).resolves.toBeUndefined();

        rmSync(wal);
        if (how === 'replaced') writeFileSync(wal, '');
        await expect(stores.ping()).rejects.toMatchObject({ code: FILE_GONE, message: expect.stringContaining('-wal') });
        await expect(stores.users.createUser('bob', 'h')).rejects.toMatchObject({ code: FILE_GONE });
        expect(stores.writer.storageFailure).toMatchObject({ code: FILE_GONE });
      });
    }

    it(`${writer} writer: a checkpoint that truncates the WAL keeps the same file, and writes go on`, async () => {
      const { stores, wal } = open(writer);
      await stores.users.createUser('alice', 'h');
      const before = statSync(wal);
      stores.db.pragma('wal_checkpoint(TRUNCATE)');
      expect(statSync(wal)).toMatchObject({ size: 0, ino: before.ino });
      await expect(stores.users.createUser('bob', 'h')).resolves.toMatchObject({ username: 'bob' });
      await expect(stores.ping()).resolves.toBeUndefined();
    });
  }
});

describe('server process: a message sent after the -wal is removed, then kill -9', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parlor-wal-crash-'));
  const dbPath = join(dir, 'parlor.db');
  const env = { SQLITE_PATH: dbPath, SESSION_SECRET: 'wal-removed-secret-0123456789abcdef' };
  let proc: ServerProcess | undefined;
  afterAll(async () => {
    if (proc) await stopServerProcess(proc);
    rmSync(dir, { recursive: true, force: true });
  });

  it('is refused (error, /healthz 503), never acked and then lost', { timeout: 90_000 }, async () => {
    proc = await startServerProcess(env);
    const reg = await supertest(proc.url).post('/api/auth/register').send({ username: 'walprobe', password: 'correct horse' }).expect(201);
    const cookie = cookieOf(reg.headers['set-cookie']);
    // A graceful restart: the schema, the account and its session are checkpointed into the main file,
    // so what a crash can lose is only what went to the WAL afterwards.
    await stopServerProcess(proc, 'SIGTERM');
    proc = await startServerProcess(env);
    const ws = new WebSocket(`${proc.url.replace('http', 'ws')}/ws`, { headers: { cookie } });
    const answers = new Map<string, Record<string, unknown>>();
    ws.on('message', (d) => {
      const f = JSON.parse(d.toString());
      if ((f.type === 'ack' || f.type === 'error') && f.client_id) answers.set(f.client_id, f);
    });
    ws.on('error', () => {});
    await new Promise((resolve) => ws.once('open', resolve));
    const answer = async (clientId: string) => {
      const started = Date.now();
      while (!answers.has(clientId)) {
        if (Date.now() - started > 10_000) throw new Error(`no answer for ${clientId}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return answers.get(clientId)!;
    };

    ws.send(JSON.stringify({ type: 'private', to: reg.body.id, content: 'before the rm', client_id: 'before' }));
    expect((await answer('before')).type).toBe('ack');
    await supertest(proc.url).get('/healthz').expect(200);

    expect(existsSync(`${dbPath}-wal`)).toBe(true);
    rmSync(`${dbPath}-wal`);
    ws.send(JSON.stringify({ type: 'private', to: reg.body.id, content: 'after the rm', client_id: 'after' }));
    const after = await answer('after');
    const healthz = (await supertest(proc.url).get('/healthz')).status;

    proc.child.kill('SIGKILL');
    await proc.exited;
    proc = undefined;
    ws.terminate();

    const db = new BetterSqlite3(dbPath);
    const storedAfterKill = db.prepare("SELECT count(*) FROM messages WHERE content = 'after the rm'").pluck().get() as number;
    db.close();
    expect({ answer: after.type, code: after.code, healthz, storedAfterKill }).toEqual({ answer: 'error', code: 'internal', healthz: 503, storedAfterKill: 0 });
  });
});
