/**
 * Password hashes keep their scrypt parameters (docs/contract.md) so the cost
 * can be raised later: an account hashed at the old PASSWORD_HASH_COST is
 * rehashed at the current one when its owner logs in with the password (POST
 * /api/auth/login, or POST /api/auth/token with a password). Otherwise old
 * hashes stay cheap to crack, and a wrong password for an old account is told
 * apart from an unknown user (checked against a dummy hash at the new cost).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { captureLogger, closeAll, startTestServer, stopTestServer, tempDir, type TestServer } from '../support/server.js';

const password = 'correct horse battery';
/** log2(N) of a stored `scrypt$N$r$p$salt$hash`. */
const costOf = (hash: string) => Math.log2(Number(hash.split('$')[1]));
const storedCost = async (server: TestServer, username: string) => costOf((await server.stores.users.findByUsername(username))!.passwordHash);

/** A data folder with `username` registered at PASSWORD_HASH_COST=10. */
async function accountAtCost10(username: string): Promise<string> {
  const dir = tempDir();
  const before = await startTestServer({ PASSWORD_HASH_COST: '10' }, { dir });
  await before.http.post('/api/auth/register').send({ username, password }).expect(201);
  expect(await storedCost(before, username)).toBe(10);
  await stopTestServer(before);
  return dir;
}

describe('raising PASSWORD_HASH_COST', () => {
  afterAll(closeAll);

  it('a login rehashes an account hashed at the old cost with the new one; the password still works', async () => {
    const dir = await accountAtCost10('old_login');
    const after = await startTestServer({ PASSWORD_HASH_COST: '11' }, { dir });
    await after.http.post('/api/auth/login').send({ username: 'old_login', password }).expect(200);
    expect(await storedCost(after, 'old_login')).toBe(11);
    await after.http.post('/api/auth/login').send({ username: 'old_login', password }).expect(200);
    await after.http.post('/api/auth/login').send({ username: 'old_login', password: 'wrong password' }).expect(401);
  });

  it('a token requested with the password rehashes too', async () => {
    const dir = await accountAtCost10('old_token');
    const after = await startTestServer({ PASSWORD_HASH_COST: '11' }, { dir });
    await after.http.post('/api/auth/token').send({ username: 'old_token', password }).expect(201);
    expect(await storedCost(after, 'old_token')).toBe(11);
  });

  it('a wrong password leaves the old hash as it is', async () => {
    const dir = await accountAtCost10('old_wrong');
    const after = await startTestServer({ PASSWORD_HASH_COST: '11' }, { dir });
    await after.http.post('/api/auth/login').send({ username: 'old_wrong', password: 'wrong password' }).expect(401);
    expect(await storedCost(after, 'old_wrong')).toBe(10);
  });

  it('a hash that could not be stored does not fail the login: a warning without the password, and the old hash stays', async () => {
    const dir = await accountAtCost10('old_failing');
    const log = captureLogger();
    const after = await startTestServer({ PASSWORD_HASH_COST: '11' }, { dir, logger: log.logger });
    after.stores.users.updatePasswordHash = () => Promise.reject(new Error('disk I/O error'));
    await after.http.post('/api/auth/login').send({ username: 'old_failing', password }).expect(200);
    expect(await storedCost(after, 'old_failing')).toBe(10);
    const warning = log.lines.find((l) => /rehash/.test(String(l.msg)));
    expect(warning?.level).toBe(40);
    expect(warning?.err?.message).toBe('disk I/O error');
    expect(JSON.stringify(log.lines)).not.toContain(password);
    expect(JSON.stringify(log.lines)).not.toContain('scrypt$');
  });
});
