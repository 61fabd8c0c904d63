import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** scrypt (RFC 7914). The default cost is OWASP's recommendation, N=2^17, r=8, p=1 (~0.35 s here). */
const DEFAULT_HASH_COST = 17;
const KEY_LENGTH = 32;

/** scrypt parameters for a cost (log2 of N); tests and benchmarks pass a lower cost. */
export function scryptParams(cost = DEFAULT_HASH_COST): { N: number; r: number; p: number } {
  return { N: 2 ** cost, r: 8, p: 1 };
}

/**
 * The form of a password that is hashed: NFKC, so the ligature "ﬁ" and "fi",
 * or a precomposed and a decomposed letter, are one password whatever the
 * keyboard typed. A new password's least length is counted on this form.
 */
export function hashedForm(password: string): string {
  return password.normalize('NFKC');
}

function derive(password: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r };
  return new Promise((resolve, reject) =>
    scrypt(hashedForm(password), salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** `scrypt$N$r$p$salt$hash`, parameters kept with the hash so they can be raised later. */
export async function hashPassword(password: string, params = scryptParams()): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await derive(password, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/**
 * Whether a stored hash was made with other parameters than `params` (the
 * cost was raised, or lowered, since): a login that verified the password
 * rehashes it with the current ones, so the account's hash is no cheaper to
 * crack than a new one. Until its owner logs in, a wrong password for it is
 * checked at the old parameters; verifyAccountPassword adds a check at the
 * current ones, so the answer is no faster than an unknown user's.
 */
export function hashedWithOtherParams(stored: string, params = scryptParams()): boolean {
  const [, n, r, p] = stored.split('$');
  return Number(n) !== params.N || Number(r) !== params.r || Number(p) !== params.p;
}

/** A hash of nothing, so a login for an unknown user costs as much as one for a known user. */
const dummyHashes = new Map<number, Promise<string>>();
export function dummyPasswordHash(params = scryptParams()): Promise<string> {
  let hash = dummyHashes.get(params.N);
  if (!hash) dummyHashes.set(params.N, (hash = hashPassword(randomBytes(12).toString('hex'), params)));
  return hash;
}

/**
 * Checks a password against an account's stored hash (or the dummy hash, for
 * an unknown user) taking at least what a check at `current` takes: a
 * mismatch against a hash made with other parameters (an account not logged
 * into since PASSWORD_HASH_COST changed) is also checked against the dummy
 * hash at `current`. Otherwise a wrong password for such an account would
 * answer in another time than an unknown username, telling a stranger which
 * usernames exist. A match needs no padding: its rehash runs at `current`.
 */
export async function verifyAccountPassword(password: string, stored: string, current: ReturnType<typeof scryptParams>): Promise<boolean> {
  if (await verifyPassword(password, stored)) return true;
  if (hashedWithOtherParams(stored, current)) await verifyPassword(password, await dummyPasswordHash(current));
  return false;
}
