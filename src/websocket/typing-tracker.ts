/**
 * Remembers who is typing where, so the server can send `is_typing: false`
 * itself when a client goes quiet, and when the typist sends the message.
 * Each typist also remembers who was never shown it (group members blocked
 * either way at every `true`): a stop goes to everyone else, so that an
 * indicator shown before a block is taken down, and one never shown is not
 * announced.
 */
export class TypingTracker {
  private readonly states = new Map<string, Typing>();

  constructor(
    private readonly timeoutMs: number,
    private readonly onExpire: (key: TypingKey, state: TypingState) => void,
  ) {}

  /** Starts or restarts the expiry of a typist; `missed`: who this `true` did not reach. */
  touch(key: TypingKey, missed: readonly number[] = []): void {
    const id = keyOf(key);
    const was = this.states.get(id);
    clearTimeout(was?.timer);
    // Never shown: missed by this `true` and by every earlier one of the same typing.
    const unseen = neverShown(was, missed);
    const timer = setTimeout(() => {
      this.states.delete(id);
      this.onExpire(key, { unseen });
    }, this.timeoutMs);
    timer.unref();
    this.states.set(id, { timer, unseen });
  }

  /** Forgets a typist: what its stop needs, or undefined when it was not typing. */
  clear(key: TypingKey): TypingState | undefined {
    const id = keyOf(key);
    const state = this.states.get(id);
    if (!state) return undefined;
    clearTimeout(state.timer);
    this.states.delete(id);
    return { unseen: state.unseen };
  }

  clearAll(): void {
    for (const state of this.states.values()) clearTimeout(state.timer);
    this.states.clear();
  }
}

export type TypingKey = { from: number; to: number } | { from: number; group_id: number };

/** `unseen`: users never shown this typing (absent when everyone was). */
export interface TypingState {
  unseen?: ReadonlySet<number>;
}

interface Typing extends TypingState {
  timer: NodeJS.Timeout;
}

function neverShown(was: Typing | undefined, missed: readonly number[]): ReadonlySet<number> | undefined {
  if (missed.length === 0) return undefined;
  if (!was) return new Set(missed);
  if (!was.unseen) return undefined;
  const still = missed.filter((u) => was.unseen!.has(u));
  return still.length > 0 ? new Set(still) : undefined;
}

function keyOf(key: TypingKey): string {
  return 'to' in key ? `${key.from}:u${key.to}` : `${key.from}:g${key.group_id}`;
}
