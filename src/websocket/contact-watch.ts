/**
 * Which reads of contacts a change of contacts overtook. Presence reads a
 * user's contacts, then announces the user online to them. If a block or a
 * group left commits while that read is under way, the read may be from
 * before it, and the announcement would reach someone the change just cut
 * off, after the change's own "offline". So a read made for an "online"
 * watches the users it concerns, each change marks the users it concerns,
 * and a watched read that was marked is made again. Only users with a read
 * under way are held.
 */
export class ContactWatch {
  private readonly watched = new Map<number, { readers: number; marks: number }>();

  constructor(
    /**
     * Reads made at most. When every one of them was overtaken (contacts
     * changing without pause), nothing is used: a stale "online" could reach
     * someone a change cut off, while one left out only waits for the next
     * change.
     */
    private readonly maxReads = 10,
  ) {}

  /** The contacts of these users changed (a change committed, or is being told). */
  mark(userIds: Iterable<number>): void {
    for (const id of userIds) {
      const entry = this.watched.get(id);
      if (entry) entry.marks++;
    }
  }

  /**
   * Runs `read`, then `use` with its value in the same turn, with no change
   * of `userIds` marked between the start of the read and the use: a read
   * that a change overtook is made again. `use` is synchronous so that no
   * mark can come between the check and what it publishes. Resolves to
   * whether `use` ran (false: `maxReads` reads, all overtaken).
   */
  async readThenUse<T>(userIds: readonly number[], read: () => Promise<T>, use: (value: T) => void): Promise<boolean> {
    for (let reads = 1; ; reads++) {
      const before = this.watch(userIds);
      let value: T;
      let overtaken: boolean;
      try {
        value = await read();
        overtaken = userIds.some((id, i) => this.watched.get(id)!.marks !== before[i]);
      } finally {
        this.unwatch(userIds);
      }
      if (!overtaken) {
        use(value);
        return true;
      }
      if (reads >= this.maxReads) return false;
    }
  }

  /** How many users are watched (for tests: the map empties). */
  get size(): number {
    return this.watched.size;
  }

  private watch(userIds: readonly number[]): number[] {
    return userIds.map((id) => {
      const entry = this.watched.get(id) ?? { readers: 0, marks: 0 };
      entry.readers++;
      this.watched.set(id, entry);
      return entry.marks;
    });
  }

  private unwatch(userIds: readonly number[]): void {
    for (const id of userIds) {
      const entry = this.watched.get(id)!;
      if (--entry.readers === 0) this.watched.delete(id);
    }
  }
}
