// Private messages: N sender -> recipient pairs. Runs inside a load process.
//
// Closed loop (rate = 0): each sender keeps `window` messages in flight; a
// message leaves the window when it is both acknowledged to the sender and
// delivered to the recipient ("stored and delivered"), then the next is sent.
// Open loop (rate > 0): the senders together offer `rate` messages/s on a
// fixed schedule whatever the answers (latency at a given load); a sender
// with `maxInFlight` unanswered messages skips its slot (counted as skipped).
//
// Latency is send -> recipient on the load process's own clock: the content
// starts with "<client_id> <performance.now() at send>". With `timeline`, the
// result also holds, per 100 ms of send time, the messages delivered, the
// worst latency and how many took over 10 ms: whether a tail is a few stalls
// or a steady queue.

import { Reservoir } from '../lib/stats.mjs';
import { makeContent, measurementWindow, parseContent, nextClientId } from './common.mjs';

export async function runPrivate(pairs, opts) {
  const { window = 4, warmupMs = 1000, durationMs = 5000, drainMs = 3000, rate = 0, maxInFlight = 256, contentBytes = 100, timeline = false } = opts;
  const inflight = new Map();
  const latency = new Reservoir();
  const slices = timeline ? [] : null;
  const clock = measurementWindow({ warmupMs, durationMs, drainMs, serverPid: opts.serverPid });
  const { start, inWindow } = clock;
  let running = true;
  let delivered = 0;
  let acked = 0;
  let sent = 0;
  let skipped = 0;
  let errors = 0;

  const complete = (entry, clientId) => {
    inflight.delete(clientId);
    entry.pair.inflight--;
    if (running && rate === 0) pump(entry.pair);
    else if (!running && inflight.size === 0) clock.drained();
  };

  const send = (pair) => {
    const clientId = nextClientId();
    const t = performance.now();
    const entry = { pair, t, acked: false, delivered: false };
    inflight.set(clientId, entry);
    pair.inflight++;
    if (inWindow(t)) sent++;
    pair.sender.sendPrivate(pair.recipient.user.id, makeContent(clientId, t, contentBytes), clientId);
  };

  const pump = (pair) => {
    while (running && pair.inflight < window) send(pair);
  };

  pairs.forEach((pair, index) => {
    pair.index = index;
    pair.inflight = 0;
    pair.recipient.handlers.private = (m) => {
      const now = performance.now();
      const { clientId, t } = parseContent(m.content);
      const entry = inflight.get(clientId);
      if (!entry || entry.delivered) return;
      entry.delivered = true;
      if (inWindow(now)) {
        delivered++;
        latency.add(now - t);
        if (slices) addToSlice(slices, t - start, now - t);
      }
      if (entry.acked) complete(entry, clientId);
    };
    pair.sender.handlers.ack = (a) => {
      const entry = inflight.get(a.client_id);
      if (!entry || entry.acked) return;
      entry.acked = true;
      if (inWindow(performance.now())) acked++;
      if (entry.delivered) complete(entry, a.client_id);
    };
    pair.sender.handlers.error = (e) => {
      errors++;
      const entry = e.client_id !== undefined ? inflight.get(e.client_id) : undefined;
      if (entry) complete(entry, e.client_id);
    };
  });

  let ticker;
  if (rate > 0) {
    const interval = (1000 * pairs.length) / rate;
    for (const pair of pairs) pair.nextAt = start + Math.random() * interval;
    ticker = setInterval(() => {
      const now = performance.now();
      for (const pair of pairs) {
        while (pair.nextAt <= now) {
          pair.nextAt += interval;
          if (pair.inflight >= maxInFlight) {
            if (inWindow(now)) skipped++;
          } else send(pair);
        }
      }
    }, 1);
  } else {
    for (const pair of pairs) pump(pair);
  }

  await clock.elapsed();
  running = false;
  if (ticker) clearInterval(ticker);
  const cpu = await clock.finish(() => inflight.size);
  const { seconds } = clock;
  return {
    pairs: pairs.length,
    window: rate > 0 ? null : window,
    offered_per_s: rate > 0 ? rate : null,
    sent_per_s: sent / seconds,
    msgs_per_s: delivered / seconds,
    // What a message costs the server: comparable across servers even when they are not all CPU-bound.
    server_cpu_us_per_msg: delivered > 0 ? ((cpu.server_cpu_pct / 100) * seconds * 1e6) / delivered : NaN,
    acks_per_s: acked / seconds,
    latency_ms: latency.summary(),
    unanswered_after_drain: inflight.size,
    skipped,
    errors,
    ...(slices ? { timeline: slices.map((s, i) => ({ from_ms: i * SLICE_MS, ...s })).filter((s) => s.messages > 0) } : {}),
    ...cpu,
  };
}

const SLICE_MS = 100;

/** One delivered message into its 100 ms slice of send time (`--timeline`). */
function addToSlice(slices, sentAtMs, latencyMs) {
  const slice = (slices[Math.floor(sentAtMs / SLICE_MS)] ??= { messages: 0, max_ms: 0, over_10ms: 0 });
  slice.messages++;
  slice.max_ms = Math.max(slice.max_ms, latencyMs);
  if (latencyMs > 10) slice.over_10ms++;
}
