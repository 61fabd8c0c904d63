// Small statistics helpers: percentiles of latency samples, medians of runs.

/** Percentile (0-100) by nearest rank of an already sorted array. */
export function percentileSorted(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** {count, p50, p99, max} of latency samples in ms. */
export function summarize(samples) {
  const sorted = Float64Array.from(samples).sort();
  return {
    count: sorted.length,
    p50: percentileSorted(sorted, 50),
    p99: percentileSorted(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
  };
}

export function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** For each numeric field of the run objects, the median across runs. */
export function medianOfRuns(runs, fields) {
  const out = {};
  for (const f of fields) out[f] = median(runs.map((r) => r[f]));
  return out;
}

export function ratio(a, b) {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : NaN;
}

/** A bounded sample collector: keeps every sample up to `cap`, then a uniform reservoir. */
export class Reservoir {
  constructor(cap = 200000) {
    this.cap = cap;
    this.samples = [];
    this.seen = 0;
    this.max = -Infinity;
  }
  add(x) {
    this.seen++;
    if (x > this.max) this.max = x;
    if (this.samples.length < this.cap) this.samples.push(x);
    else {
      const j = Math.floor(Math.random() * this.seen);
      if (j < this.cap) this.samples[j] = x;
    }
  }
  summary() {
    const s = summarize(this.samples);
    s.count = this.seen;
    s.max = this.seen ? this.max : NaN;
    return s;
  }
}
