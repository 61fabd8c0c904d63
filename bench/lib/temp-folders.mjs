// The benchmark's temporary folders (a Parlor server's SQLite file, the
// expensive-reads database). Each is removed at exit, also after Ctrl-C or an
// error; a `kill -9` of the bench skips that, so every folder's name carries
// the pid of the process that made it, and each start removes the folders
// whose process is gone.

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { atExit } from './children.mjs';

/** `parlor-bench-<pid>-…` and `parlor-bench-reads-<pid>-…` (any `parlor-bench-<kind>-<pid>-…`). */
const OURS = /^parlor-bench-(?:[a-z]+-)?(\d+)-/;

/** Whether a process with this pid still exists (EPERM: it does, under another user). */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** Removes the bench temp folders whose owning process is dead (left by a `kill -9`); returns their names. */
export function sweepStaleTempFolders(dir = tmpdir()) {
  const removed = [];
  let names = [];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = OURS.exec(name);
    if (!m || Number(m[1]) === process.pid || alive(Number(m[1]))) continue;
    try {
      rmSync(join(dir, name), { recursive: true, force: true });
      removed.push(name);
    } catch {
      // another user's folder, or gone meanwhile
    }
  }
  return removed;
}

let swept = false;
/**
 * A fresh folder `parlor-bench-[<kind>-]<pid>-XXXXXX` in the temp dir, removed
 * at exit (or with the returned `remove`). The first call also sweeps stale ones.
 */
export function makeTempFolder(kind = '') {
  if (!swept) {
    swept = true;
    sweepStaleTempFolders();
  }
  const path = mkdtempSync(join(tmpdir(), `parlor-bench-${kind ? `${kind}-` : ''}${process.pid}-`));
  const forget = atExit(() => rmSync(path, { recursive: true, force: true }));
  return {
    path,
    remove() {
      rmSync(path, { recursive: true, force: true });
      forget();
    },
  };
}
