// Group fan-out: `senders` members of one group send as fast as the window
// allows; every other member's connection receives each message. A message
// leaves the sender's window when it is acknowledged AND its last member got
// it. Reported: deliveries/s (frames received by members) and the latency
// send -> LAST member (p50/p99/max). Runs inside a load process.

import { Reservoir } from '../lib/stats.mjs';
import { makeContent, measurementWindow, parseContent, nextClientId } from './common.mjs';

export async function runGroup(members, groupId, opts) {
  const { senders: senderCount = 1, window = 4, warmupMs = 1000, durationMs = 5000, drainMs = 5000, contentBytes = 100 } = opts;
  const senders = members.slice(0, senderCount).map((client, index) => ({ client, index, inflight: 0 }));
  const expected = members.length - 1; // every member's connection but the sending one
  const inflight = new Map();
  const last = new Reservoir();
  const clock = measurementWindow({ warmupMs, durationMs, drainMs, serverPid: opts.serverPid });
  const { inWindow } = clock;
  let running = true;
  let deliveries = 0;
  let completed = 0;
  let errors = 0;

  const complete = (entry, clientId) => {
    inflight.delete(clientId);
    entry.sender.inflight--;
    if (running) pump(entry.sender);
    else if (inflight.size === 0) clock.drained();
  };

  const pump = (sender) => {
    while (running && sender.inflight < window) {
      const clientId = nextClientId();
      const t = performance.now();
      inflight.set(clientId, { sender, t, acked: false, remaining: expected });
      sender.inflight++;
      sender.client.sendGroup(groupId, makeContent(clientId, t, contentBytes), clientId);
    }
  };

  for (const member of members) {
    member.handlers.group = (m) => {
      const now = performance.now();
      const { clientId } = parseContent(m.content);
      const entry = inflight.get(clientId);
      if (!entry) return;
      if (inWindow(now)) deliveries++;
      if (--entry.remaining === 0) {
        if (inWindow(now)) {
          last.add(now - entry.t);
          completed++;
        }
        if (entry.acked) complete(entry, clientId);
      }
    };
    member.handlers.private = () => {};
  }
  for (const s of senders) {
    s.client.handlers.ack = (a) => {
      const entry = inflight.get(a.client_id);
      if (!entry || entry.acked) return;
      entry.acked = true;
      if (entry.remaining <= 0) complete(entry, a.client_id);
    };
    s.client.handlers.error = (e) => {
      errors++;
      const entry = e.client_id !== undefined ? inflight.get(e.client_id) : undefined;
      if (entry) complete(entry, e.client_id);
    };
  }

  for (const s of senders) pump(s);
  await clock.elapsed();
  running = false;
  const cpu = await clock.finish(() => inflight.size);
  const { seconds } = clock;
  return {
    members: members.length,
    senders: senders.length,
    window,
    deliveries_per_s: deliveries / seconds,
    msgs_per_s: completed / seconds,
    last_member_latency_ms: last.summary(),
    unanswered_after_drain: inflight.size,
    errors,
    ...cpu,
  };
}
