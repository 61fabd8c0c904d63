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
    this.tellEachOther(a, [b], true, new Set(await this.filterOnline([a, b])));
  }

  /**
   * The user's contacts before a change of them (a block, an unblock, a group
   * accepted or left), for `tellContactChanges` after it; null when they
   * cannot be read (logged): the change goes ahead and tells nobody.
   */
  async contactsBefore(userId: number): Promise<ReadonlySet<number> | null> {
    try {
      return new Set(await this.contactsOf(userId));
    } catch (err) {
      this.log.warn({ err, userId }, 'contacts could not be read before a change of them; presence is not updated for it');
      return null;
    }
  }

  /**
   * After a change of the user's contacts: both sides of each contact it
   * ended or made hear of it, where the other is online. A contact ended
   * sees the other go offline (a blocked user, or a group mate met only in
   * the group left, is not left seeing the other online); a contact made
   * sees the other online (as `introduce`). Nobody hears of a user who was
   * not, and is not, their contact. In line with the user's own changes, so
   * a "came online" still under way cannot undo it.
   */
  tellContactChanges(userId: number, before: ReadonlySet<number>): Promise<void> {
    return this.inOrder(userId, async () => {
      const after = new Set(await this.contactsOf(userId));
      const ended = [...before].filter((id) => !after.has(id));
      const made = [...after].filter((id) => !before.has(id));
      if (ended.length === 0 && made.length === 0) return;
      const online = new Set(await this.filterOnline([userId, ...ended, ...made]));
      this.tellEachOther(userId, ended, false, online);
      this.tellEachOther(userId, made, true, online);
    });
  }

  /**
   * `userId` and each of `others` hear `nowOnline` of each other, the ones
   * `online` only: a user offline already looks offline, and is announced
   * to nobody.
   */
  private tellEachOther(userId: number, others: readonly number[], nowOnline: boolean, online: ReadonlySet<number>): void {
    if (online.has(userId) && others.length > 0) this.publishPresence(others, userId, nowOnline);
    for (const other of others) if (online.has(other)) this.publishPresence([userId], other, nowOnline);
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
