#!/usr/bin/env node
// `node bench/frame-bytes.mjs`: what writing frames as UTF-8 Buffers (so ws counts bufferedAmount
// in bytes) costs against writing strings (ws counts UTF-16 units while the socket holds them).
// The server's CPU time (process.cpuUsage) to write the same frames to readers in another process,
// per mode, in rotating order; medians of the rounds and ratios to `string`, all from this one run.
//
//   string             ws.send(text): today's baseline
//   string+byteLength  the same plus Buffer.byteLength per frame (counting bytes beside ws)
//   buffer             ws.send(Buffer.from(text), {binary: false}) per connection
//   buffer-shared      Buffer.from once per frame, the same bytes to every connection (fan-out)

import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';

const READERS = 4;
const FRAMES = 5000; // per reader and round
const ROUNDS = 9;
const BATCH = 100; // frames written per tick, corked, as the server does

if (process.argv[2] === 'reader') {
  const ws = new WebSocket(process.argv[3]);
  let n = 0;
  ws.on('message', () => {
    if (++n % FRAMES === 0) process.send?.('round');
  });
  ws.on('close', () => process.exit(0));
} else {
  await main();
}

async function main() {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await once(wss, 'listening');
  const url = `ws://127.0.0.1:${wss.address().port}`;
  const readers = Array.from({ length: READERS }, () => fork(fileURLToPath(import.meta.url), ['reader', url]));
  const sockets = [];
  while (sockets.length < READERS) sockets.push((await once(wss, 'connection'))[0]);

  const frame = (content, i) => JSON.stringify({ type: 'group', id: 1_000_000 + i, from: 1, group_id: 7, content, timestamp: 1_764_100_000_000 + i });
  const contents = {
    ascii: 'hello there, an ordinary chat message of about a hundred characters, give or take a few more.',
    cjk: '漢字かなカナ、普通のチャットメッセージです。'.repeat(4),
  };
  const text = { binary: false };
  const modes = {
    string: (raw) => { for (const s of sockets) s.send(raw); },
    'string+byteLength': (raw) => { for (const s of sockets) { Buffer.byteLength(raw); s.send(raw); } },
    buffer: (raw) => { for (const s of sockets) s.send(Buffer.from(raw), text); },
    'buffer-shared': (raw) => { const bytes = Buffer.from(raw); for (const s of sockets) s.send(bytes, text); },
  };

  const samples = {};
  const names = Object.keys(modes);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [kind, content] of Object.entries(contents)) {
      for (let m = 0; m < names.length; m++) {
        const name = names[(m + round) % names.length];
        const done = Promise.all(readers.map((r) => once(r, 'message')));
        const before = process.cpuUsage();
        for (let i = 0; i < FRAMES; i += BATCH) {
          for (const s of sockets) s._socket.cork();
          for (let j = i; j < i + BATCH; j++) modes[name](frame(content, j));
          for (const s of sockets) s._socket.uncork();
          await new Promise((r) => setImmediate(r));
        }
        await done;
        const used = process.cpuUsage(before);
        (samples[`${kind} ${name}`] ??= []).push((used.user + used.system) / (FRAMES * READERS));
      }
    }
  }

  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`server CPU per frame written, µs (median of ${ROUNDS} rounds; ${READERS} readers x ${FRAMES} frames)`);
  for (const kind of Object.keys(contents)) {
    const base = median(samples[`${kind} string`]);
    for (const name of names) {
      const m = median(samples[`${kind} ${name}`]);
      console.log(`${kind.padEnd(6)} ${name.padEnd(18)} ${m.toFixed(3)}  x${(m / base).toFixed(2)}`);
    }
  }
  for (const s of sockets) s.close();
  wss.close();
}
