/**
 * Exactly-once, in-order delivery of stored messages (`private` and `group`
 * frames) on top of the server's at-least-once: live routing and the `sync`
 * replay after a reconnect may both carry the same message.
 *
 * - Every id seen is remembered while it is within `window` ids of the
 *   highest one (`lastSeenId`); ids increase with time across the store, so an
 *   id further below is old and dropped as already seen.
 * - Between the `sync` request and its `synced` answer, messages are held
 *   back, then delivered sorted by id: the replay and live traffic that
 *   raced it reach the app as one ordered sequence.
 */
import type { GroupMessage, PrivateMessage } from '../websocket/protocol.js';

export type MessageFrame = ({ type: 'private' } & PrivateMessage) | ({ type: 'group' } & GroupMessage);

export class Inbox {
  private readonly seen = new Set<number>();
  private held: MessageFrame[] | null = null;
  private highest: number;

  constructor(
    since: number,
    private readonly window: number,
  ) {
    this.highest = since;
  }

  /** The highest message id seen so far: the `since` of the next `sync`. */
  get lastSeenId(): number {
    return this.highest;
  }

  /** True between `beginSync` and `endSync`. */
  get syncing(): boolean {
    return this.held !== null;
  }

  /** A message arrived: returns what to deliver now (nothing while syncing or when already seen). */
  receive(frame: MessageFrame): MessageFrame[] {
    if (this.held) {
      this.held.push(frame);
      return [];
    }
    return this.observe(frame.id) ? [frame] : [];
  }

  /**
   * Remember an id the app already knows without a frame (the ack of its own
   * message), so that its replay is not delivered. It does not move
   * `lastSeenId`: an older message may still be on its way.
   */
  markKnown(id: number): void {
    if (this.isNew(id)) this.remember(id);
  }

  /** Hold back messages until `endSync`. */
  beginSync(): void {
    this.held ??= [];
  }

  /**
   * The replay is over (or will never finish on this connection): returns the
   * held messages not seen before, sorted by id. `lastId` is the server's
   * `synced.last_id`, when there is one.
   */
  endSync(lastId?: number): MessageFrame[] {
    const held = this.held ?? [];
    this.held = null;
    held.sort((a, b) => a.id - b.id);
    const fresh = held.filter((m) => this.observe(m.id));
    if (lastId !== undefined && Number.isSafeInteger(lastId) && lastId > this.highest) this.highest = lastId;
    return fresh;
  }

  /**
   * The connection closed before `synced`: forget the held messages without
   * moving `lastSeenId`. Live messages among them may have ids above replayed
   * ones not yet received, so delivering them would let the next `sync` skip
   * those; the next replay brings them all again.
   */
  abortSync(): void {
    this.held = null;
  }

  /** Record `id`; true when it had not been seen. */
  private observe(id: number): boolean {
    const fresh = this.isNew(id);
    if (fresh) this.remember(id);
    if (id > this.highest) this.highest = id;
    return fresh;
  }

  private isNew(id: number): boolean {
    return id > this.highest - this.window && !this.seen.has(id);
  }

  private remember(id: number): void {
    this.seen.add(id);
    if (this.seen.size > 2 * this.window) this.prune();
  }

  /**
   * Forget ids that fell out of the window; if that is not enough, the oldest
   * ones. Runs when the set doubled past `window` and halves it at least, so
   * its cost is amortised and memory stays bounded.
   */
  private prune(): void {
    const floor = this.highest - this.window;
    for (const id of this.seen) if (id <= floor) this.seen.delete(id);
    if (this.seen.size <= this.window) return;
    const sorted = [...this.seen].sort((a, b) => a - b);
    for (const id of sorted.slice(0, sorted.length - this.window)) this.seen.delete(id);
  }
}
