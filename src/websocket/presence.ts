import type { Logger } from '../logger.js';
import type { Broker } from './broker.js';
import type { ConnectionRegistry } from './connection-registry.js';

/**
 * Who is online, and telling contacts when that changes. The broker answers
 * for the cluster (a user still connected to another instance did not go
 * offline); without one that knows, this process's connections are the truth.
 */
export class Presence {
  /**
   * Per user, the last change under way. Each waits for the one before: a
   * connection that closes while its "came online" is still asking the
   * broker (Redis: a SUBSCRIBE reply) or `contactsOf` (a pool of connections)
   * would otherwise announce offline first and online last, and contacts
   * would see it online for good. Emptied as changes finish.
   */
  private readonly changes = new Map<number, Promise<void>>();

  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly broker: Broker,
    /** Who is told of the user's changes (Consent.contactsOf). */
    private readonly contactsOf: (userId: number) => Promise<readonly number[]>,
    private readonly publishPresence: (contacts: readonly number[], userId: number, online: boolean) => void,
    private readonly log: Logger,
  ) {}

  /** The user's first local connection opened. */
  cameOnline(userId: number): Promise<void> {
    return this.inOrder(userId, async () => {
      if ((await this.broker.userOnline?.(userId)) !== false) await this.announce(userId, true);
    });
  }

  /** The user's last local connection closed. */
  wentOffline(userId: number): Promise<void> {
    return this.inOrder(userId, async () => {
      if ((await this.broker.userOffline?.(userId)) !== false) await this.announce(userId, false);
    });
  }

  /** Runs `change` once the user's previous change has finished (failed or not); its own result is returned. */
  private inOrder(userId: number, change: () => Promise<void>): Promise<void> {
    const previous = this.changes.get(userId);
    const run = previous ? previous.then(change) : change();
    const settled = run.catch(() => {});
    this.changes.set(userId, settled);
    void settled.then(() => {
      if (this.changes.get(userId) === settled) this.changes.delete(userId);
    });
    return run;
  }

  /** Sends `presence` to the user's contacts only (users sharing an accepted group or a private conversation). */
  async announce(userId: number, online: boolean): Promise<void> {
    const contacts = await this.contactsOf(userId);
    if (contacts.length === 0) return;
    // Across instances, the user may have come back elsewhere while the contacts were read (a reconnect to
    // another instance): that instance announces online, and an offline sent after it would stand for good.
    if (!online && this.broker.onlineAmong && (await this.filterOnline([userId])).length > 0) return;
    this.publishPresence(contacts, userId, online);
  }

  /**
   * Two users just became contacts (a reply accepted a message request): each
   * one online is announced to the other, who would otherwise wait for the
   * next change.
   */
  async introduce(a: number, b: number): Promise<void> {
    const online = await this.filterOnline([a, b]);
    for (const user of online) this.publishPresence([user === a ? b : a], user, true);
  }

  /** The given users that hold a connection anywhere in the cluster (the broker knows); else on this process. */
  async filterOnline(userIds: readonly number[]): Promise<number[]> {
    if (this.broker.onlineAmong) {
      try {
        return await this.broker.onlineAmong(userIds);
      } catch (err) {
        this.log.warn({ err }, 'broker could not answer who is online; answering for this process only');
      }
    }
    return userIds.filter((id) => this.registry.has(id));
  }
}
