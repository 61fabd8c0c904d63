/**
 * Remembers who is typing where, so the server can send `is_typing: false`
 * itself when a client goes quiet, and when the typist sends the message.
 */
export class TypingTracker {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly timeoutMs: number,
    private readonly onExpire: (key: TypingKey) => void,
  ) {}

  /** Starts or restarts the expiry of a typist. */
  touch(key: TypingKey): void {
    const id = keyOf(key);
    clearTimeout(this.timers.get(id));
    const timer = setTimeout(() => {
      this.timers.delete(id);
      this.onExpire(key);
    }, this.timeoutMs);
    timer.unref();
    this.timers.set(id, timer);
  }

  /** Forgets a typist; true when it was typing. */
  clear(key: TypingKey): boolean {
    const id = keyOf(key);
    const timer = this.timers.get(id);
    if (!timer) return false;
    clearTimeout(timer);
    this.timers.delete(id);
    return true;
  }

  clearAll(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}

export type TypingKey = { from: number; to: number } | { from: number; group_id: number };

function keyOf(key: TypingKey): string {
  return 'to' in key ? `${key.from}:u${key.to}` : `${key.from}:g${key.group_id}`;
}
