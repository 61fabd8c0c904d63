import { MAX_TIMER_MS } from '../timer-limit.js';
import type { Envelope } from './broker.js';
import { encodeFrame, latestStateKey, type ServerFrames } from './protocol.js';

/**
 * Remembers who is typing where, so the server can send `is_typing: false`
 * itself when a client goes quiet, and when the typist sends the message.
 * Each typing also remembers its audience: the users every `true` of it was
 * sent to, gathered while it lasts. Its stop goes to exactly them (contract:
 * "goes to everyone the typing was shown to ... nobody it was never shown to
 * hears of it"), whatever happened since: a member who left or blocked the
 * typist still gets it, so no indicator is left on; one who joined, or was
 * kept out by a block at every `true`, never hears of a typing it was not
 * shown. The audience is forgotten with the typing, when the stop is sent.
 *
 * Memory: one entry per typist and conversation that typed within
 * `timeoutMs`; its audience is one user in private, and in a group the
 * distinct users the typing was sent to while it lasted: one group's members
 * (bounded by the member cap, docs/contract.md "how big Parlor's own groups
 * get") plus the few who joined while it went on. The usual `true`, sent to
 * the same members as the one before, keeps the array it already holds and
 * allocates nothing. `shownTo` arrays are kept, not copied: callers never
 * change them.
 */
export class TypingTracker {
  private readonly states = new Map<string, Typing>();

  constructor(
    private readonly timeoutMs: number,
    private readonly onExpire: (key: TypingKey, state: TypingState) => void,
  ) {}

  /** Starts or restarts the expiry of a typist; `shownTo`: who this `true` was sent to. */
  touch(key: TypingKey, shownTo: readonly number[]): void {
    const id = keyOf(key);
    const was = this.states.get(id);
    if (was) {
      was.audience = together(was.audience, shownTo);
      was.timer.refresh();
      return;
    }
    const timer = setTimeout(() => {
      const state = this.states.get(id);
      if (!state) return;
      this.states.delete(id);
      this.onExpire(key, { audience: state.audience });
    }, this.timeoutMs);
    timer.unref();
    this.states.set(id, { timer, audience: shownTo });
  }

  /** Forgets a typist: what its stop needs, or undefined when it was not typing. */
  clear(key: TypingKey): TypingState | undefined {
    const id = keyOf(key);
    const state = this.states.get(id);
    if (!state) return undefined;
    clearTimeout(state.timer);
    this.states.delete(id);
    return { audience: state.audience };
  }

  clearAll(): void {
    for (const state of this.states.values()) clearTimeout(state.timer);
    this.states.clear();
  }

  /** How many typings are remembered (for tests: it empties). */
  get size(): number {
    return this.states.size;
  }
}

export type TypingKey = { from: number; to: number } | { from: number; group_id: number };

/** What the stop of a typing needs. */
export interface TypingState {
  /** Everyone an `is_typing: true` of this typing was sent to: the stop's recipients. */
  audience: readonly number[];
}

interface Typing {
  timer: NodeJS.Timeout;
  audience: readonly number[];
}

/** `shown` and `more` without repeats; `shown` itself when `more` adds nobody (the usual `true`: the same members, in the same order). */
function together(shown: readonly number[], more: readonly number[]): readonly number[] {
  if (sameUsers(shown, more)) return shown;
  const all = new Set(shown);
  const before = all.size;
  for (const u of more) all.add(u);
  return all.size === before ? shown : [...all];
}

function sameUsers(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function keyOf(key: TypingKey): string {
  return 'to' in key ? `${key.from}:u${key.to}` : `${key.from}:g${key.group_id}`;
}

/**
 * How much longer than `typingTimeoutMs` an instance that relayed a typing
 * waits before sending the stop itself: the typist's instance sends it at
 * `typingTimeoutMs`, and its trip through Redis should arrive first.
 */
export const RELAYED_TYPING_GRACE_MS = 1000;

/**
 * The stop when the typist's instance cannot send it. With several instances
 * only the typist's instance holds its TypingTracker; if that instance dies (a
 * crash, a SIGKILL), nobody sends `is_typing: false` and members connected
 * elsewhere would see the typist typing for good (contract section 3: the
 * server sends the stop 3 s after the last frame). So an instance also watches
 * the typing it writes to its own connections: per typist and conversation one
 * timer, restarted by each `true`, ended by a stop (from the typist's
 * instance, the client, a message); when it fires first, the users here who
 * were shown the typing get the stop from this instance. A stop that crosses
 * it is a second `false`: harmless, typing is a state.
 *
 * It also keeps a stop from users here who were never shown the typing (or
 * have had its stop): the typist's instance sends its stop to exactly those
 * shown, but another instance of the same typist (a second device whose
 * tracker does not hold the typing) can only relay the client's stop to the
 * members as they are now (Manager.onTypingStop). Contract: "nobody it was
 * never shown to hears of it".
 */
export class RelayedTyping {
  /** By the frame's latest-state key ("typing:1:g10"): one timer per typist and conversation. */
  private readonly shown = new Map<string, Shown>();
  private readonly afterMs: number;

  constructor(
    typingTimeoutMs: number,
    /** Writes the stop to this process's connections of `stop.users`. */
    private readonly writeStop: (stop: Envelope) => void,
  ) {
    this.afterMs = Math.min(typingTimeoutMs + RELAYED_TYPING_GRACE_MS, MAX_TIMER_MS);
  }

  /**
   * A `typing` envelope about to be written here: what to write of it. A
   * `true` is written as it is, and remembered for the users here it reaches
   * (`here`: whether a user holds a connection on this process; the others are
   * shown nothing). A stop is written only to the users here who were shown
   * that typing and have not had its stop yet, and ends their wait; null when
   * that is nobody.
   */
  toWrite(envelope: Envelope, here: (userId: number) => boolean): Envelope | null {
    const frame = typingFrameOf(envelope.raw);
    if (!frame) return envelope;
    const key = envelope.latestKey ?? latestStateKey('typing', frame)!;
    const users = envelope.users ?? [];
    let entry = this.shown.get(key);
    if (!frame.is_typing) {
      if (!entry) return null;
      const stopped = users.filter((u) => entry!.users.delete(u));
      if (entry.users.size === 0) this.forget(key, entry);
      if (stopped.length === 0) return null;
      return stopped.length === users.length ? envelope : { ...envelope, users: stopped };
    }
    const shownTo = users.filter(here);
    if (shownTo.length === 0) return envelope;
    if (entry) {
      entry.timer.refresh();
    } else {
      const timer = setTimeout(() => this.expire(key), this.afterMs);
      timer.unref();
      entry = { timer, users: new Set(), frame };
      this.shown.set(key, entry);
    }
    for (const u of shownTo) entry.users.add(u);
    return envelope;
  }

  clearAll(): void {
    for (const entry of this.shown.values()) clearTimeout(entry.timer);
    this.shown.clear();
  }

  /** How many typists are watched (for tests: it empties). */
  get size(): number {
    return this.shown.size;
  }

  private forget(key: string, entry: Shown): void {
    clearTimeout(entry.timer);
    if (this.shown.get(key) === entry) this.shown.delete(key);
  }

  private expire(key: string): void {
    const entry = this.shown.get(key);
    if (!entry) return;
    const raw = encodeFrame('typing', { ...entry.frame, is_typing: false });
    // Still remembered while it is written: it passes toWrite like any stop, which lets it through to those shown.
    this.writeStop({ type: 'typing', raw, users: [...entry.users], latestKey: key });
    this.forget(key, entry);
  }
}

interface Shown {
  timer: NodeJS.Timeout;
  /** The users here shown this typing, and not yet its stop. */
  users: Set<number>;
  /** The typing frame, whose stop is the same with `is_typing: false`. */
  frame: ServerFrames['typing'];
}

/** The body of a `typing` frame as it was written; undefined for anything else (a foreign publisher's garbage). */
function typingFrameOf(raw: string): ServerFrames['typing'] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { from, to, group_id, is_typing } = value as Record<string, unknown>;
  if (!Number.isSafeInteger(from) || typeof is_typing !== 'boolean') return undefined;
  if (Number.isSafeInteger(group_id)) return { from: from as number, group_id: group_id as number, is_typing };
  if (Number.isSafeInteger(to)) return { from: from as number, to: to as number, is_typing };
  return undefined;
}
