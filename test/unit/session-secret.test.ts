import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveSessionSecret } from '../../src/session/secret.js';

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
    expect(() => resolveSessionSecret(undefined, dir)).toThrow(`${path} holds a session secret of fewer than 32 characters`);
    expect(readFileSync(path, 'utf8')).toBe('too-short\n');
  });
});
