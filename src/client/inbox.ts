/**
 * Exactly-once, in-order delivery of stored messages (`private` and `group`
 * frames) on top of the server's at-least-once: live routing and the `sync`
 * replay after a reconnect may both carry the same message.
 *
 * - Every message up to `lastSeenId` was delivered, so an id at or below it
 *   is dropped as seen; the ids above it that were delivered are remembered.
 *   When more than `window` of them pile up (a long connection with much
 *   live traffic), `wantsSync` asks the client for a `sync`, whose replay
 *   moves `lastSeenId` up and lets them go: memory stays bounded without
 *   ever taking an undelivered message for an old one.
 * - `lastSeenId`, the `since` of the next `sync`, moves only with what a
 *   replay proved (its `synced.last_id`, each replayed id), never with a live
 *   message: live frames may come out of id order (two instances commit in
 *   their own order) or not at all (a Redis outage), so the highest live id
 *   says nothing of the ids below it. The next replay brings the live ones
 *   again, and they are dropped as seen.
 * - Between the `sync` request and its `synced` answer, messages are held
 *   back and delivered in id order: the replay and live traffic that raced it
 *   reach the app as one ordered sequence. Replayed frames (`replayed: true`)
 *   come in id order with nothing skipped, so each one releases the held
 *   messages up to its id at once: a long replay is delivered as it arrives.
 * - Nothing received is thrown away: messages still held when a connection
 *   closes stay held for the next one, whose `sync` starts from the highest
 *   replayed id (everything below it was delivered).
 */
import type { GroupMessage, PrivateMessage, ReplayMark } from '../websocket/protocol.js';

export type MessageFrame = ({ type: 'private' } & PrivateMessage & ReplayMark) | ({ type: 'group' } & GroupMessage & ReplayMark);

export class Inbox {
  private readonly seen = new Set<number>();
  /** Received and not delivered yet: live messages above the replay, kept across connections. */
  private held: MessageFrame[] = [];
  /** The lowest id in `held` (Infinity when empty): a replayed frame below it is delivered at once. */
  private lowestHeld = Infinity;
  private syncingNow = false;
  /** Every id up to it was delivered (or was before `since`): the `since` of the next `sync`. */
  private cursor: number;
  /** The cursor at the last prune. */
  private prunedThrough = -Infinity;

  constructor(
    since: number,
    private readonly window: number,
  ) {
    this.cursor = since;
  }

  /** The `since` of the next `sync`: every message up to it was delivered. */
  get lastSeenId(): number {
    return this.cursor;
  }

  /** True between `beginSync` and `endSync`. */
  get syncing(): boolean {
    return this.syncingNow;
  }

  /** A message arrived: returns what to deliver now (nothing while it waits for the replay, or when already seen). */
  receive(frame: MessageFrame): MessageFrame[] {
    if (!this.syncingNow || (frame.replayed === true && frame.id < this.lowestHeld)) {
      const fresh = this.observe(frame.id);
      // Replayed again, delivered before: the replay has reached it, with nothing skipped below.
      if (!fresh && frame.replayed === true) this.advance(frame.id);
      return fresh ? [frame] : [];
    }
    this.hold(frame);
    // Everything up to a replayed id has arrived: the replay skips nothing and comes in id order.
    return frame.replayed === true ? this.release(frame.id) : [];
  }

  /**
   * Remember an id the app already knows without a frame (the ack of its own
   * message), so that its replay is not delivered. It does not move
   * `lastSeenId`: an older message may still be on its way.
   */
  markKnown(id: number): void {
    if (this.isNew(id)) this.remember(id);
  }

  /** Hold back messages until `endSync` (or until the replay reaches them). */
  beginSync(): void {
    this.syncingNow = true;
  }

  /**
   * The replay is over (or no answer will come): returns every held message
   * not seen before, sorted by id, for the caller to hand over one by one
   * (`delivered`), then `syncedThrough` the server's `synced.last_id`.
   */
  endSync(): MessageFrame[] {
    this.syncingNow = false;
    return this.release(Infinity);
  }

  /** Every message up to `lastId` (`synced.last_id`) was replayed and handed over: the next `sync` starts after it. */
  syncedThrough(lastId: number): void {
    if (!Number.isSafeInteger(lastId)) return;
    this.advance(lastId);
    this.prune();
  }

  /** More delivered ids above `lastSeenId` than `window`: a `sync` now would let them go (the client sends one). */
  get wantsSync(): boolean {
    return !this.syncingNow && this.seen.size > this.window;
  }

  /**
   * A message reached the app: it is seen from now on, and a replayed one
   * moves `lastSeenId` to it (the replay skips nothing below it). Released
   * messages the app did not get (a listener closed the client midway) go
   * back with `holdAgain`, so that neither they nor the replay that would
   * bring them again are lost.
   */
  delivered(id: number, replayed = false): void {
    this.observe(id);
    if (replayed) this.advance(id);
  }

  holdAgain(frames: readonly MessageFrame[]): void {
    for (const frame of frames) this.hold(frame);
  }

  /**
   * The connection closed before `synced`. What was delivered stays delivered
   * and `lastSeenId` stays at the highest replayed id; messages still held
   * (live ones above the replay) stay held, not delivered: the replay had not
   * reached them, so older messages may still be missing. The next `sync`
   * brings those, and these again.
   */
  abortSync(): void {
    this.syncingNow = false;
  }

  /**
   * Takes the held messages with an id up to `upTo` out, in id order, once
   * each and without the ones already seen. They count as seen only once
   * handed over (`delivered`).
   */
  private release(upTo: number): MessageFrame[] {
    if (upTo < this.lowestHeld) return [];
    const ready: MessageFrame[] = [];
    const rest: MessageFrame[] = [];
    for (const m of this.held) (m.id <= upTo ? ready : rest).push(m);
    this.held = [];
    this.lowestHeld = Infinity;
    for (const m of rest) this.hold(m);
    ready.sort((a, b) => a.id - b.id);
    return ready.filter((m, i) => this.isNew(m.id) && (i === 0 || ready[i - 1]!.id !== m.id));
  }

  private advance(id: number): void {
    if (id > this.cursor) this.cursor = id;
  }

  private hold(frame: MessageFrame): void {
    this.held.push(frame);
    if (frame.id < this.lowestHeld) this.lowestHeld = frame.id;
  }

  /** Record `id`; true when it had not been seen. */
  private observe(id: number): boolean {
    const fresh = this.isNew(id);
    if (fresh) this.remember(id);
    return fresh;
  }

  private isNew(id: number): boolean {
    return id > this.cursor && !this.seen.has(id);
  }

  private remember(id: number): void {
    this.seen.add(id);
    // A replay under way moves the cursor as it goes: let the ids it passed go now and then, not per
    // frame, and only when the cursor moved since (else the scan finds nothing to let go).
    if (this.seen.size > 2 * this.window && this.cursor > this.prunedThrough) this.prune();
    // No sync came to move the cursor (a server without sync): the oldest go, so memory stays bounded.
    // One of them replayed later would be delivered twice, never lost.
    if (this.seen.size > 4 * this.window) {
      const sorted = [...this.seen].sort((a, b) => a - b);
      for (const old of sorted.slice(0, sorted.length - 2 * this.window)) this.seen.delete(old);
    }
  }

  /** Forget the ids at or below `lastSeenId`: they are dropped as seen without being remembered. */
  private prune(): void {
    this.prunedThrough = this.cursor;
    for (const id of this.seen) if (id <= this.cursor) this.seen.delete(id);
  }
}
