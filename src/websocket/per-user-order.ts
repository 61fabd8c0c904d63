/**
 * Runs work in order per user. Each piece of work names the users it
 * concerns and starts once the work registered before it for each of them
 * has finished, failed or not. A piece registers all its users at once, when
 * it is handed in, so no chain can wait on itself. A user's entry is removed
 * once the user's last piece is done.
 */
export class PerUserOrder {
  private readonly tails = new Map<number, Promise<void>>();

  /** Runs `work` after the earlier work of every one of `userIds`; its own result is returned. */
  run<T>(userIds: readonly number[], work: () => Promise<T>): Promise<T> {
    const users = [...new Set(userIds)];
    const earlier = users.map((id) => this.tails.get(id)).filter((p): p is Promise<void> => p !== undefined);
    const result = earlier.length === 0 ? work() : Promise.all(earlier).then(work);
    const settled = result.then(
      () => {},
      () => {},
    );
    for (const id of users) this.tails.set(id, settled);
    void settled.then(() => {
      for (const id of users) if (this.tails.get(id) === settled) this.tails.delete(id);
    });
    return result;
  }

  /** How many users have work under way or waiting (for tests: the map empties). */
  get size(): number {
    return this.tails.size;
  }
}
