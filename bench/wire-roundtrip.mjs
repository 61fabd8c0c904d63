/**
 * Micro-benchmark of the messages between the main thread and the SQLite
 * write worker (issue 19, "wire" cut): what one private message costs each
 * thread in postMessage round trips, SQLite left out.
 *
 *   npm run build && node bench/wire-roundtrip.mjs [--seconds 4] [--batch 60] [--only name,name]
 *
 * Every batch is what the private benchmark produces per event-loop turn:
 * `--batch` savePrivate writes (64-character content, a client_id) and as many
 * markDelivered writes. The main thread makes the items the way WorkerWriter
 * does (a promise per write, kept in order), posts them, and settles every
 * promise from the reply (rebuilding the message where the reply is compact);
 * the worker decodes the request into calls, "runs" each one (a row object as
 * better-sqlite3 would return it, nothing else) and posts the outcomes. Two
 * batches are kept in flight, as under load.
 *
 * Per variant it reports the on-CPU time of each thread (/proc/thread-self/
 * schedstat, nanoseconds, Linux only) divided by the messages sent. Run it
 * pinned to one core (`taskset -c 0`) to see what the two threads cost
 * together on the server's core; numbers are only comparable within one run.
 */
import { readFileSync } from 'node:fs';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { savedPrivate } from '../dist/store/sqlite/message-writes.js';
import { committedOutcomes, committedReply, decodeWrites, encodeWrites } from '../dist/store/sqlite/write-worker-protocol.js';

const threadCpuNs = () => Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);

/** The variants: how a request is encoded on main and decoded in the worker, and how a reply goes back. */
const variants = {
  // Today: [[op, args]] with the input object, outcomes with the whole message.
  'clone-nested': {
    encode(batch) {
      return { type: 'write', items: batch.map((w) => (w.op === 0 ? ['savePrivate', [w.input, w.now]] : ['markDelivered', [w.id, w.recipient, w.now]])) };
    },
    decode(req, run) {
      return req.items.map(([op, args]) => run(op === 'savePrivate' ? 0 : 1, args));
    },
    reply(results) {
      return { type: 'committed', outcomes: results.map((r) => ({ ok: true, value: r.op === 0 ? { message: toMessage(r.row), duplicate: false } : r.changed })) };
    },
    settle(reply, waiting) {
      reply.outcomes.forEach((o, i) => waiting[i].resolve(o.value));
    },
  },
  // Request as today, reply compact: [id, created_at] for a new message, the outcome list flat.
  'clone-nested/compact-reply': {
    encode: (batch) => variants['clone-nested'].encode(batch),
    decode: (req, run) => variants['clone-nested'].decode(req, run),
    reply: (results) => variants['clone-flat'].reply(results),
    settle: (reply, waiting) => variants['clone-flat'].settle(reply, waiting),
  },
  // One array of ops (small integers) and one flat array of arguments; the reply one flat array of values.
  'clone-flat': {
    encode(batch) {
      const ops = [];
      const args = [];
      for (const w of batch) {
        ops.push(w.op);
        if (w.op === 0) args.push(w.input.from, w.input.to, w.input.content, w.input.clientId ?? null, w.now);
        else args.push(w.id, w.recipient, w.now);
      }
      return { type: 'write', ops, args };
    },
    decode(req, run) {
      const out = [];
      let a = 0;
      for (const op of req.ops) {
        if (op === 0) {
          const clientId = req.args[a + 3];
          out.push(run(0, [{ from: req.args[a], to: req.args[a + 1], content: req.args[a + 2], ...(clientId === null ? {} : { clientId }) }, req.args[a + 4]]));
          a += 5;
        } else {
          out.push(run(1, [req.args[a], req.args[a + 1], req.args[a + 2]]));
          a += 3;
        }
      }
      return out;
    },
    reply(results) {
      const values = [];
      for (const r of results) values.push(r.op === 0 ? r.row.id : r.changed);
      return { type: 'committed', values };
    },
    settle(reply, waiting) {
      reply.values.forEach((v, i) => {
        const w = waiting[i];
        w.resolve(w.op === 0 ? { message: { id: v, from: w.input.from, to: w.input.to, content: w.input.content, timestamp: w.now }, duplicate: false } : v);
      });
    },
  },
  // Generic flat: [op, argc] pairs and the arguments in one array, objects kept as they are;
  // the reply one value per item, a new message's value [id, created_at].
  'clone-generic': {
    encode(batch) {
      const ops = [];
      const args = [];
      for (const w of batch) {
        if (w.op === 0) {
          ops.push(0, 2);
          args.push(w.input, w.now);
        } else {
          ops.push(1, 3);
          args.push(w.id, w.recipient, w.now);
        }
      }
      return { type: 'write', ops, args };
    },
    decode(req, run) {
      const out = [];
      let a = 0;
      for (let i = 0; i < req.ops.length; i += 2) {
        const argc = req.ops[i + 1];
        out.push(run(req.ops[i], req.args.slice(a, a + argc)));
        a += argc;
      }
      return out;
    },
    reply(results) {
      const values = [];
      for (const r of results) values.push(r.op === 0 ? [r.row.id, r.row.created_at] : r.changed);
      return { type: 'committed', values, failures: null };
    },
    settle(reply, waiting) {
      reply.values.forEach((v, i) => {
        const w = waiting[i];
        w.resolve(w.op === 0 ? { message: { id: v[0], from: w.input.from, to: w.input.to, content: w.input.content, timestamp: v[1] }, duplicate: false } : v);
      });
    },
  },
  // As clone-generic, a new message's value its id alone.
  'clone-generic/id-only': {
    encode: (batch) => variants['clone-generic'].encode(batch),
    decode: (req, run) => variants['clone-generic'].decode(req, run),
    reply(results) {
      const values = [];
      for (const r of results) values.push(r.op === 0 ? r.row.id : r.changed);
      return { type: 'committed', values, failures: null };
    },
    settle: (reply, waiting) => variants['clone-flat'].settle(reply, waiting),
  },
  // What Parlor ships: write-worker-protocol.ts's own encodeWrites / decodeWrites / committedReply /
  // committedOutcomes and message-writes.ts's savedPrivate, from dist/ ([op index, argc] pairs and flat
  // arguments; the reply one value per item, [id, created_at] for a new message, rebuilt by the store).
  shipped: {
    encode: (batch) =>
      encodeWrites(
        batch.map((w) =>
          w.op === 0 ? ['savePrivate', [w.input.from, w.input.to, w.input.content, w.input.clientId ?? null, w.now]] : ['markDelivered', [w.id, w.recipient, w.now]],
        ),
      ),
    decode: (req, run) =>
      decodeWrites(req).map(([op, args]) => (op === 'savePrivate' ? run(0, [{ from: args[0], to: args[1], content: args[2] }, args[4]]) : run(1, args))),
    // As the worker's batch transaction answers: an outcome per item.
    reply: (results) => committedReply(results.map((r) => ({ ok: true, value: r.op === 0 ? [r.row.id, r.row.created_at] : r.changed }))),
    settle(reply, waiting) {
      committedOutcomes(reply).forEach((o, i) => waiting[i].resolve(o.value));
    },
    // The store rebuilds a new message from its answer in a .then (message-store.ts).
    storeThen: (answer, w) => savedPrivate(answer, w.input.from, w.input.to, w.input.content),
  },
  // The nested shapes as one JSON string each way.
  'json-nested': {
    encode: (batch) => JSON.stringify(variants['clone-nested'].encode(batch)),
    decode: (req, run) => variants['clone-nested'].decode(JSON.parse(req), run),
    reply: (results) => JSON.stringify(variants['clone-nested'].reply(results)),
    settle: (reply, waiting) => variants['clone-nested'].settle(JSON.parse(reply), waiting),
  },
  // The flat shapes as one JSON string each way.
  'json-flat': {
    encode: (batch) => JSON.stringify(variants['clone-flat'].encode(batch)),
    decode: (req, run) => variants['clone-flat'].decode(JSON.parse(req), run),
    reply: (results) => JSON.stringify(variants['clone-flat'].reply(results)),
    settle: (reply, waiting) => variants['clone-flat'].settle(JSON.parse(reply), waiting),
  },
};

function toMessage(r) {
  return { id: r.id, from: r.sender_id, to: r.recipient_id, content: r.content, timestamp: r.created_at };
}

if (isMainThread) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(`--${name}`);
    return i < 0 ? fallback : process.argv[i + 1];
  };
  const seconds = Number(arg('seconds', '4'));
  const batch = Number(arg('batch', '60'));
  const only = arg('only', null)?.split(',') ?? Object.keys(variants);
  const rounds = Number(arg('rounds', '2'));
  const results = {};
  for (let round = 0; round < rounds; round++) {
    for (const name of only) {
      const r = await runVariant(name, seconds, batch);
      (results[name] ??= []).push(r);
      console.log(`${name.padEnd(28)} main ${r.main.toFixed(2)} µs/msg  worker ${r.worker.toFixed(2)} µs/msg  (${r.messages} messages)`);
    }
  }
  console.log('\nmedian over rounds, µs per message (main + worker = both threads):');
  for (const [name, rs] of Object.entries(results)) {
    const med = (k) => rs.map((r) => r[k]).sort((x, y) => x - y)[Math.floor(rs.length / 2)];
    console.log(`${name.padEnd(28)} main ${med('main').toFixed(2)}  worker ${med('worker').toFixed(2)}  both ${(med('main') + med('worker')).toFixed(2)}`);
  }
} else {
  const v = variants[workerData.variant];
  let id = 1;
  const run = (op, args) => {
    if (op === 0) {
      const [input, now] = args;
      return { op, row: { id: id++, sender_id: input.from, recipient_id: input.to, group_id: null, content: input.content, created_at: now, delivered_at: null, read_at: null } };
    }
    return { op, changed: true };
  };
  parentPort.on('message', (req) => {
    if (req === 'cpu') {
      parentPort.postMessage({ cpu: threadCpuNs() });
      return;
    }
    parentPort.postMessage(v.reply(v.decode(req, run)));
  });
}

async function runVariant(name, seconds, batchSize) {
  const v = variants[name];
  const worker = new Worker(new URL(import.meta.url), { workerData: { variant: name } });
  const cpuOfWorker = () =>
    new Promise((resolve) => {
      const listener = (m) => {
        if (m?.cpu === undefined) return;
        worker.off('message', listener);
        resolve(m.cpu);
      };
      worker.on('message', listener);
      worker.postMessage('cpu');
    });
  const inFlight = [];
  let seq = 0;
  let messages = 0;
  let stop = false;
  let done;
  const finished = new Promise((r) => (done = r));
  const sendBatch = () => {
    const writes = [];
    const now = Date.now();
    for (let i = 0; i < batchSize; i++) {
      const input = { from: 1 + (i % 50), to: 51 + (i % 50), content: `c${seq}`.padEnd(64, 'x'), clientId: `Xp${i}.${seq++}` };
      writes.push({ op: 0, input, now, resolve: null });
      writes.push({ op: 1, id: seq, recipient: input.to, now, resolve: null });
    }
    // A promise per write, as WorkerWriter.run makes them.
    const promises = writes.map((w) => {
      const promise = new Promise((resolve) => (w.resolve = resolve));
      return v.storeThen && w.op === 0 ? promise.then((answer) => v.storeThen(answer, w)) : promise;
    });
    inFlight.push(writes);
    worker.postMessage(v.encode(writes));
    return Promise.all(promises);
  };
  worker.on('message', (reply) => {
    if (reply?.cpu !== undefined) return;
    const waiting = inFlight.shift();
    v.settle(reply, waiting);
    messages += batchSize;
    if (stop) {
      if (inFlight.length === 0) done();
    } else {
      setImmediate(sendBatch);
    }
  });
  // Warm up, then measure.
  sendBatch();
  sendBatch();
  await new Promise((r) => setTimeout(r, 500));
  const m0 = threadCpuNs();
  const w0 = await cpuOfWorker();
  const n0 = messages;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const m1 = threadCpuNs();
  const w1 = await cpuOfWorker();
  const n1 = messages;
  stop = true;
  await finished;
  await worker.terminate();
  const n = n1 - n0;
  return { main: (m1 - m0) / 1000 / n, worker: (w1 - w0) / 1000 / n, messages: n };
}
