// Sums the self time of a `--cpu-prof` profile per stage of the private
// message path (issue 19, item 2): which function or file belongs to which
// stage is the STAGES table below, first match wins.
//
//   BENCH_PARLOR_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" node bench/run.mjs --only parlor --skip group,idle,reads,halfload --runs 1
//   node bench/profile-stages.mjs [--last-ms N] DIR/*.cpuprofile
//
// `--last-ms N` keeps only the window's last N ms: with `--half-load-runs 1`
// the half-load run comes last, so its profile is the end of the window.
//
// Only the samples between the first and the last one inside `onPrivate` are
// counted (the measured load, not the server's start or the users' creation).
// A thread with no `onPrivate` sample (the write worker) is cut to the window
// of its `savePrivate` samples instead. Times are sampled wall time of the
// thread: on a pinned run a thread preempted by the other one on the same
// core is charged to the function it was in (see bench/RESULTS.md).
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/** [stage, test on "functionName url"], first match wins. */
const STAGES = [
  ['idle', (f) => f.startsWith('(idle) ')],
  ['GC', (f) => f.startsWith('(garbage collector) ')],
  ['write worker: BEGIN/COMMIT (WAL append, fsync)', (f) => f.includes('better-sqlite3/lib/methods/transaction')],
  ['write worker: savePrivate statements', (f) => /(^savePrivate|^earlier) .*message-writes/.test(f)],
  ['delivered receipt (mark, round trip, receipt frame)', (f) => /markDelivered|receipt-writes|local-delivery\.js:4\d/.test(f)],
  ['persist round trip (worker messages, batches, settling)', (f) => /^postMessage |worker-writer|write-worker|batch|message-store|writes\.js|messageport|event_target/.test(f)],
  ['parse and validate (ws receiver, JSON, zod)', (f) => /ws\/lib\/receiver|frame-parser|zod|utf8Slice|buffer-util|validation\.js/.test(f)],
  ['admission (rate limit, consent, directory, policy)', (f) => /token-bucket|frame-admission|consent|known-users|message-policy|user-directory/.test(f)],
  ['encode (JSON.stringify, UTF-8)', (f) => /protocol\.js|^write node:buffer|FastBuffer|utf8Frame|^stringify /.test(f)],
  ['socket writes (ws sender, streams, writev)', (f) => /^writev |ws\/lib\/sender|node:internal\/streams|node:net|stream_base_commons|outbound-flow|connection\.js|local-delivery|transport/.test(f)],
  ['metrics (prom-client, metrics.js, hrtime)', (f) => /prom-client|metrics\.js|^hrtime |^now /.test(f)],
  ['promise and microtask hops', (f) => /runMicrotasks|task_queues|in-flight|async_hooks|^\(anon\) :0/.test(f)],
  ['routing (Manager, typing, events)', (f) => /manager\.js|typing-tracker|node:events|connection-registry/.test(f)],
  ['V8 program (not attributed)', (f) => f.startsWith('(program) ')],
];

function windowOf(nodes, samples, times, marker) {
  const ids = new Set(nodes.filter((n) => marker.test(`${n.callFrame.functionName} ${n.callFrame.url}`)).map((n) => n.id));
  // A marker's own frame or any frame below it counts: walk each sample's stack once.
  const parent = new Map();
  for (const n of nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inside = (id) => {
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) if (ids.has(cur)) return true;
    return false;
  };
  let first = -1;
  let last = -1;
  for (let i = 0; i < samples.length; i++) {
    if (!inside(samples[i])) continue;
    if (first < 0) first = i;
    last = i;
  }
  return first < 0 ? null : [times[first], times[last]];
}

const args = process.argv.slice(2);
const lastAt = args.indexOf('--last-ms');
const lastMs = lastAt < 0 ? Infinity : Number(args.splice(lastAt, 2)[1]);

function stagesOf(file) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const times = [];
  let t = profile.startTime;
  for (const d of profile.timeDeltas) times.push((t += d));
  const window =
    windowOf(profile.nodes, profile.samples, times, /^onPrivate .*manager/) ??
    windowOf(profile.nodes, profile.samples, times, /^savePrivate .*message-writes/);
  if (window) window[0] = Math.max(window[0], window[1] - lastMs * 1000);
  const totals = new Map();
  const unmatched = new Map();
  let all = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    if (window && (times[i] < window[0] || times[i] > window[1])) continue;
    const dt = profile.timeDeltas[i + 1] ?? 0; // the time until the next sample belongs to this one
    const cf = byId.get(profile.samples[i]).callFrame;
    const key = `${cf.functionName || '(anon)'} ${cf.url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, '')}:${cf.lineNumber}`;
    const stage = STAGES.find(([, test]) => test(key))?.[0] ?? 'other';
    totals.set(stage, (totals.get(stage) ?? 0) + dt);
    if (stage === 'other') unmatched.set(key, (unmatched.get(key) ?? 0) + dt);
    all += dt;
  }
  return { totals, unmatched, all, windowMs: window ? (window[1] - window[0]) / 1000 : all / 1000 };
}

const pct = (part, whole) => `${((100 * part) / whole).toFixed(1)}%`;
for (const file of args) {
  const { totals, unmatched, all, windowMs } = stagesOf(file);
  const idle = totals.get('idle') ?? 0;
  const busy = all - idle;
  console.log(`\n${basename(file)}: ${windowMs.toFixed(0)} ms window, busy ${pct(busy, all)} of it`);
  console.log('| stage | ms | % of busy |\n| --- | ---: | ---: |');
  for (const [stage, us] of [...totals].filter(([s]) => s !== 'idle').sort((a, b) => b[1] - a[1])) {
    console.log(`| ${stage} | ${(us / 1000).toFixed(0)} | ${pct(us, busy)} |`);
  }
  const top = [...unmatched].sort((a, b) => b[1] - a[1]).slice(0, 8);
  if (top.length > 0) console.log(`other, largest: ${top.map(([k, us]) => `${k} ${(us / 1000).toFixed(0)} ms`).join('; ')}`);
}
