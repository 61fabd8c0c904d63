/**
 * /healthz and the write path when the SQLite file fails under a running
 * server (docs/operations.md, "Threads" and "Metrics"): 503 as soon as writes
 * could not survive a restart, so that a supervisor restarts the process, and
 * no ack for a write into a file that is gone (contract §3: an acked message
 * survives a crash).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeAll, connectClient, registerUser, startTestServer, stopTestServer, tempDir } from '../support/server.js';
import type { SqliteStores } from '../../src/store/sqlite/index.js';

/** `chattr +i` makes a file unwritable even for root; it needs root and a filesystem that has the flag (ext4). */
function chattrWorks(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('sh', ['-c', 'command -v chattr'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('SQLite file gone or unwritable while the server runs', () => {
  afterAll(closeAll);

  it('/healthz answers 503 once the data folder is removed (rm -rf)', async () => {
    const dir = tempDir();
    const server = await startTestServer({ SQLITE_PATH: join(dir, 'data', 'parlor.db') }, { dir });
    await server.http.get('/healthz').expect(200);
    rmSync(join(dir, 'data'), { recursive: true, force: true });
    await server.http.get('/healthz').expect(503);
  });

  it('/healthz answers 503 once the file at the path is another one (moved away, a new file in its place)', async () => {
    const dir = tempDir();
    const path = join(dir, 'parlor.db');
    const server = await startTestServer({ SQLITE_PATH: path }, { dir });
    await server.http.get('/healthz').expect(200);
    renameSync(path, join(dir, 'moved.db'));
    writeFileSync(path, '');
    await server.http.get('/healthz').expect(503);
  });

  it('a send after the file is gone gets error internal and no ack, and nothing of it is found after a restart', async () => {
    const dir = tempDir();
    const env = { SQLITE_PATH: join(dir, 'data', 'parlor.db') };
    const server = await startTestServer(env, { dir });
    const alice = await registerUser(server);
    const client = await connectClient(server, alice.cookie);
    rmSync(join(dir, 'data'), { recursive: true, force: true });

    client.send({ type: 'private', to: alice.id, content: 'sent after rm', client_id: 'gone-1' });
    expect(await client.next('error', (f) => f.client_id === 'gone-1')).toMatchObject({ code: 'internal' });
    expect(client.all('ack')).toEqual([]);
    // The store the process still holds has no such row either: the worker refused before running the batch.
    const held = (server.stores as SqliteStores).db.prepare("SELECT count(*) FROM messages WHERE content = 'sent after rm'").pluck().get();
    expect(held).toBe(0);
    await stopTestServer(server);

    const restarted = await startTestServer(env, { dir });
    const stored = (restarted.stores as SqliteStores).db.prepare("SELECT count(*) FROM messages WHERE content = 'sent after rm'").pluck().get();
    expect(stored).toBe(0);
  });

  describe.skipIf(!chattrWorks())('files made unwritable (chattr +i, as a read-only mount or a full disk would)', () => {
    let locked: string[] = [];
    const unlock = () => {
      if (locked.length) execFileSync('chattr', ['-i', ...locked]);
      locked = [];
    };
    afterAll(unlock);

    it('a send fails with internal, /healthz answers 503 until a write commits again', async () => {
      const dir = tempDir();
      const data = join(dir, 'data');
      const server = await startTestServer({ SQLITE_PATH: join(data, 'parlor.db') }, { dir });
      const alice = await registerUser(server);
      const client = await connectClient(server, alice.cookie);
      await server.http.get('/healthz').expect(200);

      // Not the -shm file: it is mmapped, and an immutable one would SIGBUS the process.
      locked = [...readdirSync(data).filter((f) => !f.endsWith('-shm')).map((f) => join(data, f)), data];
      execFileSync('chattr', ['+i', ...locked]);
      client.send({ type: 'private', to: alice.id, content: 'cannot be stored', client_id: 'ro-1' });
      expect(await client.next('error', (f) => f.client_id === 'ro-1')).toMatchObject({ code: 'internal' });
      await server.http.get('/healthz').expect(503);
      await server.http.get('/healthz').expect(503); // not a one-off: it stays down while nothing commits

      unlock();
      client.send({ type: 'private', to: alice.id, content: 'stored again', client_id: 'ro-2' });
      expect(await client.next('ack', (f) => f.client_id === 'ro-2')).toMatchObject({ id: expect.any(Number) });
      await server.http.get('/healthz').expect(200);
    });
  });
});
