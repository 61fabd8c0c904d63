// Benchmark options: defaults in one place, overridden by flags or BENCH_* env.

const DEFAULTS = {
  runs: 3, // each messaging figure is the median of this many runs
  warmupMs: 1000, // traffic before the measured window (not counted)
  durationMs: 5000, // measured window of one run
  pairs: 50, // private: sender/recipient pairs
  window: 4, // messages in flight per sender (private and group)
  contentBytes: 100,
  halfLoadRuns: 3,
  loadFraction: 0.5, // the latency scenario offers this share of Parlor's measured peak (0.5: the issues' "half load")
  timeline: false, // per 100 ms of each private run: messages, worst latency, how many over 10 ms (in the JSON)
  groups: [10, 100, 1000], // group sizes (members = connections of distinct users)
  groupSenders: 1,
  idle: [10000, 50000], // idle connection counts (capped by the fd limit, see docs)
  idleRuns: 1,
  idleConnsPerUser: 50, // connections per user in the idle scenario, same for every server
  idleSpread: 0, // 0: spread client sockets over 127.0.0.x only past one address's port range; N: always over N
  connectConcurrency: 256, // connection attempts in flight per load process
  only: ['ws-relay', 'socketio', 'parlor'],
  readsClients: 200, // expensive reads: signed-in users hammering them, one request in flight each
  readsMessages: 300000, // expensive reads: messages in the group every reader belongs to
  readsRateLimit: null, // expensive reads: HTTP_READ_RATE_LIMIT for Parlor (null: the server's default; 0: off)
  skip: [], // scenario names: private, halfload, group, idle, reads
  out: null, // JSON path; default bench/results/<timestamp>.json
  parlorEntry: null, // Parlor's standalone server; default dist/server.js of this checkout
};

const QUICK = {
  runs: 1,
  warmupMs: 300,
  durationMs: 1500,
  pairs: 10,
  halfLoadRuns: 1,
  groups: [10, 100],
  idle: [1000],
  readsMessages: 30000,
};

/** The flags of one measurement window of private messages, shared by every mode (bench/run.mjs, --scale-out). */
export const WINDOW_FLAGS = {
  '--runs': ['runs', Number],
  '--warmup-ms': ['warmupMs', Number],
  '--duration-ms': ['durationMs', Number],
  '--pairs': ['pairs', Number],
  '--window': ['window', Number],
  '--content-bytes': ['contentBytes', Number],
};

const FLAGS = {
  ...WINDOW_FLAGS,
  '--half-load-runs': ['halfLoadRuns', Number],
  '--load-fraction': ['loadFraction', Number],
  '--groups': ['groups', numberList],
  '--group-senders': ['groupSenders', Number],
  '--idle': ['idle', numberList],
  '--idle-runs': ['idleRuns', Number],
  '--idle-conns-per-user': ['idleConnsPerUser', Number],
  '--idle-spread': ['idleSpread', Number],
  '--connect-concurrency': ['connectConcurrency', Number],
  '--reads-clients': ['readsClients', Number],
  '--reads-messages': ['readsMessages', Number],
  '--reads-rate-limit': ['readsRateLimit', Number],
  '--only': ['only', list],
  '--skip': ['skip', list],
  '--out': ['out', String],
  '--parlor-entry': ['parlorEntry', String],
};

const USAGE = `usage: node bench/run.mjs [--quick] [--pinned] [--runs N] [--duration-ms MS] [--warmup-ms MS]
  [--pairs N] [--window N] [--groups 10,100,1000] [--group-senders N]
  [--idle 10000,50000] [--idle-runs N] [--idle-conns-per-user N] [--idle-spread N]
  [--half-load-runs N] [--load-fraction F] [--timeline] [--reads-clients N] [--reads-messages N] [--reads-rate-limit N]
  [--only ws-relay,socketio,parlor] [--skip private,halfload,group,idle,reads]
  [--out FILE] [--parlor-entry PATH/dist/server.js]
--pinned: servers on CPU 0, load processes on CPU 1 (taskset), so throughput is what one core buys.
--load-fraction F: the latency scenario offers F x Parlor's peak (default 0.5, "half load").
--timeline: each private run's JSON gets, per 100 ms of send time, the messages, the worst latency and how many took over 10 ms.
Every flag also reads from the environment: --duration-ms <-> BENCH_DURATION_MS, --quick <-> BENCH_QUICK=1, --pinned <-> BENCH_PINNED=1.`;

function numberList(s) {
  return String(s)
    .split(',')
    .filter(Boolean)
    .map((x) => Number(x.replace(/k$/i, '000')));
}
function list(s) {
  return String(s).split(',').map((x) => x.trim()).filter(Boolean);
}

/**
 * Sets `o[key]` from each flag of `flags` (`{'--flag': [key, convert]}`): first
 * from the environment (`--duration-ms` <-> `BENCH_DURATION_MS`), then from
 * `argv` (`--flag value` or `--flag=value`). `switches` take no value and are
 * skipped; `--help` prints `usage` and exits; an unknown flag throws.
 */
export function applyFlags(o, { flags, usage, switches = [] }, argv, env) {
  for (const [flag, [key, conv]] of Object.entries(flags)) {
    const envName = `BENCH_${flag.slice(2).replace(/-/g, '_').toUpperCase()}`;
    if (env[envName] !== undefined && env[envName] !== '') o[key] = conv(env[envName]);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (switches.includes(arg)) continue;
    if (arg === '--help' || arg === '-h') {
      console.log(usage);
      process.exit(0);
    }
    const [flag, inline] = arg.split('=', 2);
    const spec = flags[flag];
    if (!spec) throw new Error(`unknown option ${arg}\n${usage}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    o[spec[0]] = spec[1](value);
  }
  return o;
}

export function parseOptions(argv = process.argv.slice(2), env = process.env) {
  const quick = argv.includes('--quick') || env.BENCH_QUICK === '1';
  const pinned = argv.includes('--pinned') || env.BENCH_PINNED === '1';
  const timeline = argv.includes('--timeline') || env.BENCH_TIMELINE === '1';
  const o = { ...DEFAULTS, ...(quick ? QUICK : {}), quick, pinned, timeline };
  applyFlags(o, { flags: FLAGS, usage: USAGE, switches: ['--quick', '--pinned', '--timeline'] }, argv, env);
  for (const key of ['runs', 'durationMs', 'pairs', 'window', 'halfLoadRuns', 'groupSenders', 'idleRuns', 'idleConnsPerUser', 'connectConcurrency', 'contentBytes', 'readsClients', 'readsMessages']) {
    if (!Number.isInteger(o[key]) || o[key] <= 0) throw new Error(`option ${key} must be a positive integer, got ${o[key]}`);
  }
  if (!Number.isInteger(o.warmupMs) || o.warmupMs < 0) throw new Error('option warmupMs must be >= 0');
  if (!(o.loadFraction > 0 && o.loadFraction <= 1)) throw new Error(`option loadFraction must be in (0, 1], got ${o.loadFraction}`);
  if (o.readsRateLimit !== null && (!Number.isInteger(o.readsRateLimit) || o.readsRateLimit < 0)) throw new Error('option readsRateLimit must be >= 0');
  if (!Number.isInteger(o.idleSpread) || o.idleSpread < 0 || o.idleSpread > 240) throw new Error('option idleSpread must be 0-240');
  for (const n of [...o.groups, ...o.idle]) if (!Number.isInteger(n) || n < 2) throw new Error(`bad size ${n}`);
  for (const t of o.only) if (!DEFAULTS.only.includes(t)) throw new Error(`unknown server ${t} (known: ${DEFAULTS.only.join(', ')})`);
  return o;
}
