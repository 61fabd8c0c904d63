import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { MIN_SESSION_SECRET_CHARS, resolveSessionSecret } from '../../src/session/secret.js';

describe('resolveSessionSecret', () => {
  const dirs: string[] = [];
  const folder = () => {
    const dir = mkdtempSync(join(tmpdir(), 'parlor-secret-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('takes SESSION_SECRET when set, and writes nothing', () => {
    const dir = folder();
    expect(resolveSessionSecret('s'.repeat(40), dir)).toEqual({ secret: 's'.repeat(40), source: 'env' });
    expect(() => statSync(join(dir, 'session-secret'))).toThrow();
  });

  it('generates one readable by its owner only (mode 0600, whatever the umask or a leftover temporary file), and keeps it', () => {
    const dir = join(folder(), 'data');
    const leftover = join(dir, `session-secret.${process.pid}.tmp`);
    const first = resolveSessionSecret(undefined, dir);
    expect(first).toMatchObject({ source: 'generated', path: join(dir, 'session-secret') });
    expect(first.secret.length).toBeGreaterThanOrEqual(32);
    expect(statSync(first.path!).mode & 0o777).toBe(0o600);
    expect(resolveSessionSecret(undefined, dir)).toEqual({ secret: first.secret, source: 'file', path: first.path });

    rmSync(first.path!);
    writeFileSync(leftover, 'old', { mode: 0o644 });
    const second = resolveSessionSecret(undefined, dir);
    expect(statSync(second.path!).mode & 0o777).toBe(0o600);
    expect(readFileSync(second.path!, 'utf8').trim()).toBe(second.secret);
  });

  it('stops at a file holding a short secret, naming it, and leaves the file as it was', () => {
    const dir = folder();
    const path = join(dir, 'session-secret');
    writeFileSync(path, 'too-short\n', { mode: 0o644 });
    expect(() => resolveSessionSecret(undefined, dir)).toThrow(`${path} holds a session secret of fewer than 16 characters`);
    expect(readFileSync(path, 'utf8')).toBe('too-short\n');
  });

  // The file once needed 32 characters while SESSION_SECRET needed 16: a working 20-character secret moved into
  // the file stopped the start.
  it('takes from the file any secret SESSION_SECRET takes: one minimum, MIN_SESSION_SECRET_CHARS', () => {
    const secret = 'abcdefghij0123456789'; // 20 characters
    expect(loadConfig({ SESSION_SECRET: secret }).SESSION_SECRET).toBe(secret);
    const dir = folder();
    const path = join(dir, 'session-secret');
    writeFileSync(path, `${secret}\n`, { mode: 0o600 });
    expect(resolveSessionSecret(undefined, dir)).toEqual({ secret, source: 'file', path });
    writeFileSync(path, `${'s'.repeat(MIN_SESSION_SECRET_CHARS)}\n`, { mode: 0o600 });
    expect(resolveSessionSecret(undefined, dir).secret).toBe('s'.repeat(MIN_SESSION_SECRET_CHARS));
    writeFileSync(path, `${'s'.repeat(MIN_SESSION_SECRET_CHARS - 1)}\n`, { mode: 0o600 });
    expect(() => resolveSessionSecret(undefined, dir)).toThrow(`fewer than ${MIN_SESSION_SECRET_CHARS} characters`);
  });
});
