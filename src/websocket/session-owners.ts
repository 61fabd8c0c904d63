/**
 * A session belongs to one user at a time. When a socket opens for a session
 * as another user than its sockets on this process opened as (a sign-in as
 * someone else in a session the host kept, on a shared computer), the
 * earlier user's sockets on that session end: the Manager closes them with
 * 4401 at once. Another instance does not hear of the new socket: there the
 * session re-check ends them, when it can ask who the session holds now
 * (expressSessionResolver with a `userIdOf(session)`; docs/contract.md).
 *
 * One entry per session with a socket on this process: the user its newest
 * socket opened as. Sockets opened with a bearer token have no session.
 */
export class SessionOwners {
  private readonly owners = new Map<string, number>();

  /** A socket opened for `sessionId` as `userId`: the user the session's sockets opened as before, when that is another. */
  opened(sessionId: string, userId: number): number | undefined {
    const earlier = this.owners.get(sessionId);
    this.owners.set(sessionId, userId);
    return earlier !== undefined && earlier !== userId ? earlier : undefined;
  }

  /** The last socket of `sessionId` as `userId` on this process closed. */
  closed(sessionId: string, userId: number): void {
    if (this.owners.get(sessionId) === userId) this.owners.delete(sessionId);
  }

  /** The session was regenerated (a password change kept it): its sockets here now hold `renamedTo`. */
  renamed(sessionId: string, renamedTo: string): void {
    const owner = this.owners.get(sessionId);
    if (owner === undefined) return;
    this.owners.delete(sessionId);
    this.owners.set(renamedTo, owner);
  }

  /** The user the open sockets of `sessionId` on this process opened as; undefined when it has none. */
  ownerOf(sessionId: string): number | undefined {
    return this.owners.get(sessionId);
  }

  get size(): number {
    return this.owners.size;
  }
}
