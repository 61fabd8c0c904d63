import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The session secret: SESSION_SECRET when set; otherwise one generated on
 * first start and kept (mode 0600) in the data folder, so restarts keep
 * sessions valid. Never a hard-coded default.
 */
export function resolveSessionSecret(
  fromEnv: string | undefined,
  dataDir: string,
): { secret: string; source: 'env' | 'file' | 'generated'; path?: string } {
  if (fromEnv) return { secret: fromEnv, source: 'env' };
  const path = join(dataDir, 'session-secret');
  try {
    const existing = readFileSync(path, 'utf8').trim();
    if (existing.length >= 32) return { secret: existing, source: 'file', path };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dirname(path), { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: 'w' });
  return { secret, source: 'generated', path };
}
