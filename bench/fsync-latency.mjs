// How long this machine's disk takes to make a small append durable: the
// floor under every acknowledged message's latency, since Parlor acks after
// COMMIT with synchronous = FULL (one fsync of the WAL per commit). Appends
// `--pages` 4 KiB pages to a file in `--dir` (default: the OS temp folder; point it at
// the data folder's disk) and fdatasyncs, `--count` times, one after the
// other; prints p50, p90, p99 and max in ms.
//
//   node bench/fsync-latency.mjs [--count 2000] [--pages 20] [--dir PATH]
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flagOf } from './lib/flags.mjs';

const flag = flagOf();
const count = Number(flag('--count', '2000'));
const pages = Number(flag('--pages', '20'));
const dir = mkdtempSync(join(flag('--dir', tmpdir()), 'parlor-fsync-'));
const page = Buffer.alloc(4096, 7);

const fd = openSync(join(dir, 'wal'), 'w');
const ms = [];
try {
  for (let i = 0; i < count; i++) {
    for (let p = 0; p < pages; p++) writeSync(fd, page);
    const t = process.hrtime.bigint();
    fdatasyncSync(fd);
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
} finally {
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
}
ms.sort((a, b) => a - b);
const at = (q) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))].toFixed(2);
console.log(`fdatasync after ${pages} x 4 KiB appended, ${count} times in ${dir}: p50 ${at(0.5)} ms, p90 ${at(0.9)}, p99 ${at(0.99)}, max ${ms[ms.length - 1].toFixed(2)}`);
