import type { Store } from 'express-session';

/** The least time a session's store is remembered after it was last recorded or asked about. */
export const KEEP_STORE_FLOOR_MS = 60 * 60_000;

/**
 * Which store served each session whose socket an upgrade opened, for the
 * re-check (`stillValid`) to ask.
 *
 * One resolver may serve several Parlor mounts, each re-checking only its own
 * sessions, and the calls do not say whose they are: a session one call does
 * not ask about may be another mount's, whose re-check needs its store (without
 * one it counts the session live for ever). So an entry is forgotten by age
 * only: once nobody has asked about it (nor recorded it again) for
 * `keepMs()`, an hour or three times the longest gap seen between two asks of
 * one session (the slowest caller's interval), whichever is longer. That keeps
 * the map bounded by the sessions upgraded within that time, with or without
 * re-checks running.
 */
export class RecordedStores {
  /** Session id -> its store and when it was last seen. Map keeps insertion order and a refresh re-inserts: oldest first. */
  private readonly entries = new Map<string, { store: Store; seenAt: number }>();
  private longestGapMs = 0;

  constructor(private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.entries.size;
  }

  /** An upgrade of `sessionId` resolved with `store`. */
  record(sessionId: string, store: Store): void {
    this.forgetStale();
    this.entries.delete(sessionId);
    this.entries.set(sessionId, { store, seenAt: this.now() });
  }

  /** The store of each asked session that has one (a cookie-only session has none), counting each as seen now. */
  ask(sessionIds: readonly string[]): Map<string, Store> {
    const now = this.now();
    const found = new Map<string, Store>();
    for (const id of sessionIds) {
      const entry = this.entries.get(id);
      if (!entry) continue;
      this.longestGapMs = Math.max(this.longestGapMs, now - entry.seenAt);
      this.entries.delete(id);
      this.entries.set(id, { store: entry.store, seenAt: now });
      found.set(id, entry.store);
    }
    this.forgetStale();
    return found;
  }

  private keepMs(): number {
    return Math.max(KEEP_STORE_FLOOR_MS, 3 * this.longestGapMs);
  }

  /** Drops the entries unseen for `keepMs()`: from the oldest, stopping at the first fresh one. */
  private forgetStale(): void {
    const oldest = this.now() - this.keepMs();
    for (const [id, entry] of this.entries) {
      if (entry.seenAt > oldest) return;
      this.entries.delete(id);
    }
  }
}
