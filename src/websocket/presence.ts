import type { Logger } from '../logger.js';
import type { Awaitable } from '../types.js';
import type { Broker } from './broker.js';
import type { ConnectionRegistry } from './connection-registry.js';
import { ContactWatch } from './contact-watch.js';
import { PerUserOrder } from './per-user-order.js';

/** At most this many users wait for an announcement made again; past it the oldest is let go (logged). */
const MAX_UNANNOUNCED = 10_000;

/** How a change of contacts is described to `Presence.changeContacts`. */
export interface ContactChangeOptions<T> {
  /**
   * The other user of a change between two (a block, an unblock): the
   * change then also waits for that user's changes of contacts under way,
   * and that user's "came online" still reading its contacts reads them
   * again (ContactWatch).
   */
  peer?: number;
  /** Whether the change's result changed anything; false tells nobody and reads nothing more (a block of a user already blocked). Default: always. */
  changed?: (result: T) => boolean;
}

/** What `Presence.changeContacts` hands back. */
export interface ContactChangeRun<T> {
  /** The change's own result (or error), as soon as it has run. */
  result: Promise<T>;
  /** Settles once both sides have been told (or nothing was to tell); rejects when telling failed. */
  told: Promise<void>;
}

/**
 * Asks the broker about a user's first or last local connection now, in the
 * order the connections opened and closed, not behind the user's earlier
 * announcements: with Redis, `userOnline` subscribes to the user's channel and
 * `userOffline` unsubscribes. Asked in the user's order instead, a user who
 * reconnected to this instance while its "offline" was still being announced
 * (the contacts read) had an open, synced socket and no subscription until
 * that ended: frames published meanwhile on other instances were lost. The
 * answer is awaited in the order; a rejection meanwhile is not left unhandled.
 */
function askNow(ask: () => Awaitable<boolean> | undefined): Promise<boolean | undefined> {
  let answer: Promise<boolean | undefined>;
  try {
    answer = Promise.resolve(ask());
  } catch (err) {
    answer = Promise.reject(err);
  }
  answer.catch(() => {});
  return answer;
}

/**
 * Who is online, and telling contacts when that changes. The broker answers
 * for the cluster (a user still connected to another instance did not go
 * offline); without one that knows, this process's connections are the truth.
 *
 * Three rules keep a block (or a group left) from being undone by an
 * announcement already under way, on this instance:
 * - Per user, one "came online", "went offline" or broker announcement at a
 *   time (`order`): a connection that closes while its "came online" is
 *   still waiting for the broker's answer (Redis: a SUBSCRIBE reply) or
 *   `contactsOf` would otherwise announce offline first and online last, and
 *   contacts would see it online for good. The broker itself is asked at
 *   once (askNow), in the order of the connections.
 * - Per user, one change of contacts or introduction at a time (`changes`;
 *   a change between two users waits for both), so a change's "before" read
 *   cannot miss a contact another change of the same user just made. This
 *   order never waits for the first one: a block is written at once even
 *   while the other user's "came online" waits on a broker call.
 * - Every "online" is published in the same turn as a read of contacts that
 *   no change overtook (ContactWatch): a blocked user's or a group mate's
 *   "came online" that read its contacts just before the change reads them
 *   again, and so does the telling of a change when one of the users it
 *   concerns changed meanwhile (B leaves the group A just accepted).
 * Across instances each instance keeps these rules for itself; see
 * docs/scaling.md for what that leaves.
 */
export class Presence {
  /** cameOnline / wentOffline / the broker's announce: broker calls, kept in order per user. */
  private readonly order = new PerUserOrder();
  /** Changes of contacts and introductions: in order with each other, never behind a broker call. */
  private readonly changes = new PerUserOrder();
  /** An "online" is never published from a read a change overtook. */
  private readonly watch = new ContactWatch();
  /**
   * Users whose first-connection or last-connection announcement failed (the
   * contacts could not be read: the database unreachable). Nothing else would
   * tell their contacts (a user whose last socket closed during a PostgreSQL
   * outage would look online to them for good), so each is announced again,
   * with the user's state then, every `retryMs` until it gets through.
   */
  private readonly unannounced = new Set<number>();
  private retrying = false;
  private readonly retryTimer: NodeJS.Timeout;

  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly broker: Broker,
    /** Who is told of the user's changes (Consent.contactsOf). */
    private readonly contactsOf: (userId: number) => Promise<readonly number[]>,
    private readonly publishPresence: (contacts: readonly number[], userId: number, online: boolean) => void,
    private readonly log: Logger,
    /** How often failed announcements are made again: the Manager's heartbeat interval (30 s by default). */
    retryMs = 30_000,
  ) {
    this.retryTimer = setInterval(() => void this.announceAgain(), retryMs).unref();
  }

  /** Shutdown: no more announcements made again. */
  stop(): void {
    clearInterval(this.retryTimer);
  }

  /**
   * The user's first local connection opened. The broker is told at once,
   * outside the user's order (askNow); only the announcement waits its turn.
   */
  cameOnline(userId: number): Promise<void> {
    const online = askNow(() => this.broker.userOnline?.(userId));
    return this.order.run([userId], async () => {
      if ((await online) !== false) await this.announceOrRemember(userId, true);
    });
  }

  /** The user's last local connection closed. The broker is told at once, as in cameOnline. */
  wentOffline(userId: number): Promise<void> {
    const offline = askNow(() => this.broker.userOffline?.(userId));
    return this.order.run([userId], async () => {
      if ((await offline) !== false) await this.announceOrRemember(userId, false);
    });
  }

  /**
   * A change the broker learned of for the cluster (a dead instance's users,
   * states made again after Redis came back): announced in order with the
   * user's own changes, as they are.
   */
  announce(userId: number, online: boolean): Promise<void> {
    return this.order.run([userId], () => this.announceNow(userId, online));
  }

  /** announceNow; when it fails, the user is announced again later (`unannounced`). Rejects as announceNow does. */
  private async announceOrRemember(userId: number, online: boolean): Promise<void> {
    try {
      await this.announceNow(userId, online);
      this.unannounced.delete(userId);
    } catch (err) {
      this.remember(userId);
      throw err;
    }
  }

  private remember(userId: number): void {
    this.unannounced.delete(userId); // to the end: the oldest is the first let go
    if (this.unannounced.size >= MAX_UNANNOUNCED) {
      const oldest = this.unannounced.values().next().value!;
      this.unannounced.delete(oldest);
      this.log.warn({ userId: oldest }, 'too many presence announcements waiting to be made again; this one is given up');
    }
    this.unannounced.add(userId);
  }

  /**
   * Announces each user whose announcement failed, in the user's order, with
   * the state the cluster has now (read in that turn, so a change of the user's
   * own that came meanwhile is not contradicted). One pass at a time.
   */
  private async announceAgain(): Promise<void> {
    if (this.retrying || this.unannounced.size === 0) return;
    this.retrying = true;
    const users = [...this.unannounced];
    this.unannounced.clear();
    try {
      await Promise.all(
        users.map((u) =>
          this.order
            .run([u], async () => this.announceOrRemember(u, (await this.filterOnline([u])).length > 0))
            .catch((err: unknown) => this.log.debug({ err, userId: u }, 'presence announcement failed again; made again later')),
        ),
      );
    } finally {
      this.retrying = false;
    }
  }

  /** Sends `presence` to the user's contacts only (users sharing an accepted group or a private conversation). */
  private async announceNow(userId: number, online: boolean): Promise<void> {
    if (online) {
      const told = await this.watch.readThenUse([userId], () => this.contactsOf(userId), (contacts) => {
        if (contacts.length > 0) this.publishPresence(contacts, userId, true);
      });
      if (!told) this.log.warn({ userId }, 'contacts kept changing while they were read; not announced online until the next change');
      return;
    }
    const contacts = await this.contactsOf(userId);
    if (contacts.length === 0) return;
    // Across instances, the user may have come back elsewhere while the contacts were read (a reconnect to
    // another instance): that instance announces online, and an offline sent after it would stand for good.
    if (this.broker.onlineAmong && (await this.filterOnline([userId])).length > 0) return;
    this.publishPresence(contacts, userId, false);
  }

  /**
   * Two users just became contacts (a reply accepted a message request): each
   * one online is announced to the other, who would otherwise wait for the
   * next change. In order with both users' changes, and only if they are
   * still contacts then: a block that came between the reply's admission and
   * now has the last word.
   */
  async introduce(a: number, b: number): Promise<void> {
    await this.changes.run([a, b], () =>
      this.watch.readThenUse(
        [a, b],
        async () => ((await this.contactsOf(a)).includes(b) ? new Set(await this.filterOnline([a, b])) : null),
        (online) => {
          if (online) this.tellEachOther(a, [b], true, online);
        },
      ),
    );
  }

  /**
   * Runs a change of the user's contacts (a block, an unblock, a group
   * accepted or left) after the changes of contacts of the user (and of
   * `options.peer`) already under way, then tells both sides of each contact
   * it ended or made (tellContactChanges). The result comes back as soon as
   * the change has run; the telling goes on after it. When the contacts
   * cannot be read before the change, it goes ahead and tells nobody
   * (logged). A change must not call changeContacts for one of its own users:
   * that call would wait for the outer change, which waits for it. (Telling
   * the two apart would take AsyncLocalStorage, which on Node 20 slows every
   * promise in the process, the message path's included, once used.)
   */
  changeContacts<T>(userId: number, change: () => Awaitable<T>, options: ContactChangeOptions<T> = {}): ContactChangeRun<T> {
    let settle!: { resolve: (value: T) => void; reject: (err: unknown) => void };
    const result = new Promise<T>((resolve, reject) => (settle = { resolve, reject }));
    const users = options.peer === undefined ? [userId] : [userId, options.peer];
    const told = this.changes.run(users, async () => {
      const before = await this.contactsBefore(userId);
      let value: T;
      try {
        value = await change();
      } catch (err) {
        settle.reject(err);
        return;
      }
      // Reads of these users' contacts under way started before the change: made again before any "online".
      this.watch.mark(users);
      settle.resolve(value);
      if (before && (options.changed?.(value) ?? true)) await this.tellContactChanges(userId, before);
    });
    return { result, told };
  }

  /** The user's contacts before a change of them; null when they cannot be read (logged). */
  private async contactsBefore(userId: number): Promise<ReadonlySet<number> | null> {
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
   * not, and is not, their contact. The users told are marked in the same
   * turn, so their own "came online" still reading contacts reads again.
   */
  private async tellContactChanges(userId: number, before: ReadonlySet<number>): Promise<void> {
    const diff = async () => {
      const after = new Set(await this.contactsOf(userId));
      return { ended: [...before].filter((id) => !after.has(id)), made: [...after].filter((id) => !before.has(id)) };
    };
    const first = await diff();
    const concerned = [...first.ended, ...first.made];
    if (concerned.length === 0) return;
    // The users concerned may be changing their own contacts at the same time (B leaves the group A just
    // accepted): read again, watching them too, so a change of theirs that commits meanwhile is not missed.
    const read = async () => {
      const { ended, made } = await diff();
      const told = [...ended, ...made];
      return { ended, made, online: told.length === 0 ? new Set<number>() : new Set(await this.filterOnline([userId, ...told])) };
    };
    const tell = ({ ended, made, online }: { ended: number[]; made: number[]; online: ReadonlySet<number> }) => {
      this.watch.mark([...ended, ...made]);
      this.tellEachOther(userId, ended, false, online);
      this.tellEachOther(userId, made, true, online);
    };
    if (await this.watch.readThenUse([userId, ...concerned], read, tell)) return;
    // Contacts kept changing through every read: the contacts ended are still told (a late "offline" hides
    // nothing, a missing one leaves a blocked user seeing the blocker online); the ones made wait for the next change.
    this.log.warn({ userId }, 'contacts kept changing while they were read; only the contacts ended are told');
    tell({ ...(await read()), made: [] });
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
