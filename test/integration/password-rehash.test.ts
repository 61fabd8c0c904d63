/**
 * Password hashes keep their scrypt parameters (docs/contract.md) so the cost
 * can be raised later: an account hashed at the old PASSWORD_HASH_COST is
 * rehashed at the current one when its owner logs in with the password (POST
 * /api/auth/login, or POST /api/auth/token with a password). Otherwise old
 * hashes stay cheap to crack.
 *
 * Until its owner logs in, an account keeps its old hash, and a wrong password
 * for it used to be checked at the old cost only, while an unknown username is
 * checked against a dummy hash at the current one: the answer's time told a
 * stranger which usernames exist. A wrong password for such an account is now
 * also checked against the dummy hash at the current cost. Asserted without
 * timing: scrypt is wrapped to record the cost (N) of each derivation.
 */
import type { ScryptOptions } from 'node:crypto';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { captureLogger, closeAll, startTestServer, stopTestServer, tempDir, type TestServer } from '../support/server.js';

/** log2(N) of every scrypt derivation since the last reset, recorded by the pass-through below. */
const scryptCosts = vi.hoisted(() => [] as number[]);
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  const scrypt = (password: string, salt: Buffer, length: number, options: ScryptOptions, cb: (err: Error | null, key: Buffer) => void) => {
    scryptCosts.push(Math.log2(options.N ?? options.cost ?? 0));
    real.scrypt(password, salt, length, options, cb);
  };
  return { ...real, default: { ...real, scrypt }, scrypt };
});

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

describe('a wrong password for an account still hashed at the old cost', () => {
  afterAll(closeAll);
  beforeEach(() => {
    scryptCosts.length = 0;
  });

  /** Cost 10 account, server now at 11; the dummy hash at 11 already made (as after any unknown-user login). */
  async function dormantAccount(username: string): Promise<TestServer> {
    const after = await startTestServer({ PASSWORD_HASH_COST: '11' }, { dir: await accountAtCost10(username) });
    await after.http.post('/api/auth/login').send({ username: 'nobody_at_all', password: 'wrong password' }).expect(401);
    scryptCosts.length = 0;
    return after;
  }

  it('costs a check at the current cost too, as an unknown username does (POST /api/auth/login)', async () => {
    const after = await dormantAccount('dormant_login');
    await after.http.post('/api/auth/login').send({ username: 'nobody_at_all', password: 'wrong password' }).expect(401);
    expect(scryptCosts, 'an unknown username').toEqual([11]);
    scryptCosts.length = 0;
    await after.http.post('/api/auth/login').send({ username: 'dormant_login', password: 'wrong password' }).expect(401);
    expect(scryptCosts, 'the stored hash, then the dummy at the current cost').toEqual([10, 11]);
    expect(await storedCost(after, 'dormant_login')).toBe(10);
  });

  it('and by password at POST /api/auth/token', async () => {
    const after = await dormantAccount('dormant_token');
    await after.http.post('/api/auth/token').send({ username: 'dormant_token', password: 'wrong password' }).expect(401);
    expect(scryptCosts).toEqual([10, 11]);
  });

  it('a right password is checked once at the old cost, then rehashed at the current one (no dummy check)', async () => {
    const after = await dormantAccount('dormant_right');
    await after.http.post('/api/auth/login').send({ username: 'dormant_right', password }).expect(200);
    expect(scryptCosts).toEqual([10, 11]);
    expect(await storedCost(after, 'dormant_right')).toBe(11);
  });
});
