import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The shortest session secret Parlor takes, wherever it comes from:
 * SESSION_SECRET (src/config.ts), createParlor's `sessionSecret`
 * (src/parlor-options.ts) and the data folder's `session-secret` file.
 */
export const MIN_SESSION_SECRET_CHARS = 16;

/**
 * The session secret: SESSION_SECRET when set; otherwise one generated on
 * first start and kept (mode 0600) in the data folder, so restarts keep
 * sessions valid. Never a hard-coded default. A file there that holds too
 * short a secret (one an operator wrote) stops the start: replacing it would
 * end every session and ignore what the operator meant.
 */
export function resolveSessionSecret(
  fromEnv: string | undefined,
  dataDir: string,
): { secret: string; source: 'env' | 'file' | 'generated'; path?: string } {
  if (fromEnv) return { secret: fromEnv, source: 'env' };
  const path = join(dataDir, 'session-secret');
  let existing: string;
  try {
    existing = readFileSync(path, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return { secret: generate(path), source: 'generated', path };
  }
  if (existing.length < MIN_SESSION_SECRET_CHARS) {
    throw new Error(
      `${path} holds a session secret of fewer than ${MIN_SESSION_SECRET_CHARS} characters: put a longer one in it, delete it to have one generated, or set SESSION_SECRET`,
    );
  }
  return { secret: existing, source: 'file', path };
}

/** Written whole or not at all (a temporary file renamed into place), readable by its owner only. */
function generate(path: string): string {
  mkdirSync(dirname(path), { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${secret}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600); // `mode` applies only to a file it creates: a leftover temporary keeps its own
  renameSync(temporary, path);
  return secret;
}
