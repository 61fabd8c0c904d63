import type { Connection } from './connection.js';

/** Every open connection of this process, by user. A user may hold many. */
export class ConnectionRegistry {
  private readonly byUser = new Map<number, Set<Connection>>();

  /** Adds a connection; true when it is the user's first. */
  add(conn: Connection): boolean {
    let set = this.byUser.get(conn.userId);
    const first = set === undefined;
    if (!set) this.byUser.set(conn.userId, (set = new Set()));
    set.add(conn);
    return first;
  }

  /** Removes a connection; true when it was the user's last. */
  remove(conn: Connection): boolean {
    const set = this.byUser.get(conn.userId);
    if (!set?.delete(conn)) return false;
    if (set.size > 0) return false;
    this.byUser.delete(conn.userId);
    return true;
  }

  of(userId: number): ReadonlySet<Connection> | undefined {
    return this.byUser.get(userId);
  }

  count(userId: number): number {
    return this.byUser.get(userId)?.size ?? 0;
  }

  has(userId: number): boolean {
    return this.byUser.has(userId);
  }

  users(): number[] {
    return [...this.byUser.keys()];
  }

  *all(): IterableIterator<Connection> {
    for (const set of this.byUser.values()) yield* set;
  }

  get size(): number {
    let n = 0;
    for (const set of this.byUser.values()) n += set.size;
    return n;
  }
}
