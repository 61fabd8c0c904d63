// What the SQLite write worker's part of a private message costs, by batch
// size: the worker's own functions (prepareWrites, createBatchTransaction)
// on a migrated database file with the server's pragmas (WAL, synchronous =
// FULL), each batch holding B `savePrivate` writes (P sender/recipient pairs
// in turn, a client_id each: the SDK's UUIDv7, or `--ids random` UUIDv4s as
// a client without the SDK may send) and the `markDelivered` updates of the batch
// before, as the private-message benchmark produces them. Prints CPU µs per
// message (user and system) and the WAL frames (pages) each commit wrote.
//
//   npm run build && node bench/sqlite-batch-cost.mjs [--batches 4,15,60,200] [--pairs 50] [--messages 20000] [--ids time|random]
//     [--order round|random] [--warmup 2000] [--index pair|two-part|none]
//
// `--order random` picks each message's pair at random instead of in turn
// (with many pairs and a long `--warmup`: a social network's spread rather
// than the benchmark's 50 conversations). `--index` is an experiment on the
// history index of private conversations (issue 19, seventh pass in
// bench/RESULTS.md), applied on top of the shipped schema: `pair` as shipped
// (messages_private_pair), `two-part` (a small recent table settled into a
// large one every 1,024 messages, by triggers; reads would merge the two),
// `none` (dropped: not shippable, history would scan).
//
// Run it pinned (`taskset -c 0 node ...`) for steadier figures.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateClientId } from '../dist/client/client-id.js';
import { openDatabase } from '../dist/store/sqlite/database.js';
import { createBatchTransaction } from '../dist/store/sqlite/batch-transaction.js';
import { prepareWrites, runWrite } from '../dist/store/sqlite/writes.js';
import { flagOf } from './lib/flags.mjs';

const flag = flagOf();
const batchSizes = flag('--batches', '4,15,60,200').split(',').map(Number);
const pairs = Number(flag('--pairs', '50'));
const messages = Number(flag('--messages', '20000'));
const ids = flag('--ids', 'time');
const nextClientId = { time: () => generateClientId(), random: () => randomUUID() }[ids];
if (!nextClientId) throw new Error(`--ids ${ids}: time or random`);
const WARMUP_MESSAGES = Number(flag('--warmup', '2000'));
const randomOrder = { round: false, random: true }[flag('--order', 'round')];
if (randomOrder === undefined) throw new Error('--order: round or random');
const index = flag('--index', 'pair');
const SETTLE_EVERY = 1024;
const INDEX_SHAPES = {
  pair: '',
  none: 'DROP INDEX messages_private_pair;',
  'two-part': `
    DROP INDEX messages_private_pair;
    CREATE TABLE private_index_recent (pair_lo INTEGER NOT NULL, pair_hi INTEGER NOT NULL, id INTEGER NOT NULL,
      PRIMARY KEY (pair_lo, pair_hi, id)) WITHOUT ROWID;
    CREATE TABLE private_index_settled (pair_lo INTEGER NOT NULL, pair_hi INTEGER NOT NULL, id INTEGER NOT NULL,
      PRIMARY KEY (pair_lo, pair_hi, id)) WITHOUT ROWID;
    CREATE TRIGGER messages_private_index AFTER INSERT ON messages WHEN NEW.recipient_id IS NOT NULL
    BEGIN INSERT INTO private_index_recent (pair_lo, pair_hi, id) VALUES (NEW.pair_lo, NEW.pair_hi, NEW.id); END;
    CREATE TRIGGER messages_private_index_settle AFTER INSERT ON messages WHEN NEW.id % ${SETTLE_EVERY} = 0
    BEGIN
      INSERT INTO private_index_settled (pair_lo, pair_hi, id) SELECT pair_lo, pair_hi, id FROM private_index_recent;
      DELETE FROM private_index_recent;
    END;`,
};
if (!(index in INDEX_SHAPES)) throw new Error(`--index ${index}: ${Object.keys(INDEX_SHAPES).join(', ')}`);
const content = 'x'.repeat(64);

function measure(batchSize) {
  const dir = mkdtempSync(join(tmpdir(), 'parlor-batch-cost-'));
  const db = openDatabase({ path: join(dir, 'parlor.db') });
  try {
    db.exec(INDEX_SHAPES[index]);
    const writes = prepareWrites(db);
    const runBatch = createBatchTransaction(db, ([op, opArgs]) => runWrite(writes, op, opArgs));
    let sent = 0;
    let delivered = [];
    const batch = () => {
      const items = delivered.map(({ id, to }) => ['markDelivered', [id, to, Date.now()]]);
      const recipients = [];
      for (let i = 0; i < batchSize; i++, sent++) {
        const from = 1 + (randomOrder ? Math.floor(Math.random() * pairs) : sent % pairs) * 2;
        recipients.push(from + 1);
        items.push(['savePrivate', [from, from + 1, content, nextClientId(), Date.now()]]);
      }
      const outcomes = runBatch(items);
      delivered = outcomes.slice(delivered.length).map((o, i) => ({ id: o.value[0], to: recipients[i] }));
    };
    while (sent < WARMUP_MESSAGES) batch();
    // Count frames from an empty WAL, with no checkpoint in the window (the server checkpoints every 1000 frames).
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.pragma('wal_autocheckpoint = 0');
    const batches = Math.max(1, Math.round(messages / batchSize));
    const cpu = process.cpuUsage();
    for (let i = 0; i < batches; i++) batch();
    const used = process.cpuUsage(cpu);
    const frames = db.pragma('wal_checkpoint(PASSIVE)')[0].log;
    const n = batches * batchSize;
    return { batchSize, user: used.user / n, system: used.system / n, framesPerCommit: frames / batches, framesPerMessage: frames / n };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`SQLite write worker's work per private message, ${pairs} pairs (${randomOrder ? 'at random' : 'in turn'}), ${index} history index, ${messages} messages per size, ${ids} client ids (savePrivate + the markDelivered of the batch before)`);
console.log('| messages per commit | CPU µs/msg (user + system) | WAL frames per commit | frames per message |');
console.log('| ---: | ---: | ---: | ---: |');
for (const size of batchSizes) {
  const r = measure(size);
  console.log(`| ${size} | ${(r.user + r.system).toFixed(1)} (${r.user.toFixed(1)} + ${r.system.toFixed(1)}) | ${r.framesPerCommit.toFixed(1)} | ${r.framesPerMessage.toFixed(2)} |`);
}
