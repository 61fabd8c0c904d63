/** Counts by label ("private", "rate_limited"), kept in plain numbers. */
export class LabelledCounts {
  private readonly byLabel = new Map<string, number>();

  add(label: string, n = 1): void {
    this.byLabel.set(label, (this.byLabel.get(label) ?? 0) + n);
  }

  /** Every label counted so far with its total (always growing). */
  entries(): IterableIterator<[string, number]> {
    return this.byLabel.entries();
  }
}

/**
 * What the Manager counts per frame for /metrics: plain additions on the
 * message path, read only when Prometheus scrapes (src/metrics.ts), so a
 * message pays no metrics library, label hashing or event dispatch.
 */
export class Traffic {
  /** Valid client frames, by type. */
  readonly received = new LabelledCounts();
  /** `error` frames sent, by code. */
  readonly errors = new LabelledCounts();
  /** Frames written to connections of this process, by type (a fan-out to N connections counts N). */
  readonly sent = new LabelledCounts();
  /**
   * Called with the seconds one routed frame took to reach every local
   * connection (the `parlor_fanout_seconds` histogram); none by default.
   */
  onFanOut: ((seconds: number) => void) | null = null;
}
