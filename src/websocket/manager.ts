import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { inject, injectable } from 'tsyringe';
import type { RawData } from 'ws';
import { CloseCode, FrameErrorCode, LoggedOutReason, ParlorError, isClientMistake } from '../errors.js';
import { withLoggableErrors } from '../loggable-error.js';
import { silentLogger, type Logger } from '../logger.js';
import { InterfaceFailure } from '../interface-failure.js';
import type { Awaitable } from '../types.js';
import { BROKER, GROUP_MEMBER_FETCHER, MANAGER_OPTIONS, MESSAGE_PERSISTER, SESSION_RESOLVER, USER_DIRECTORY, CONSENT_STORE } from '../tokens.js';
import { InProcessBroker, type Broker, type DeliveryTracking, type Envelope } from './broker.js';
import { Connection, type SocketLike } from './connection.js';
import { NO_ORDER, type SendOrder } from './arrival-order.js';
import { type Admission, Consent } from './consent.js';
import type { ConsentStore } from './consent-store.js';
import { ConnectionRegistry } from './connection-registry.js';
import { SessionOwners } from './session-owners.js';
import { CredentialDeadlines } from './credential-deadlines.js';
import type { CacheInvalidation } from './cache-invalidation.js';
import { applyRename, matchesOrder, reasonOf, type DisconnectOrder, type KeepOrder, type KeptSession } from './disconnect-order.js';
import { OrdersDuringUpgrade, type UpgradeWatch } from './orders-during-upgrade.js';
import { Heartbeat } from './heartbeat.js';
import { HostEvents } from './host-events.js';
import { InFlight } from './in-flight.js';
import { LocalDelivery } from './local-delivery.js';
import { BrokerGapResync, DEFAULT_RESYNC_WINDOW_MS, type BrokerGap } from './broker-gap.js';
import { Presence, type ContactChangeOptions } from './presence.js';
import { replaySince } from './sync-replay.js';
import { clientIdOfRaw, parseClientFrame } from './frame-parser.js';
import type { GroupMemberFetcher } from './group-member-fetcher.js';
import { KnownGroups } from './known-groups.js';
import { EVERYONE_EXISTS, KnownUsers } from './known-users.js';
import type { MessagePersister, Saved, SaveGroupInput, SavePrivateInput } from './message-persister.js';
import { applyPolicy } from './message-policy.js';
import { resolveManagerOptions, type ManagerOptions } from './options.js';
import {
  encodeAck,
  encodeDelivered,
  encodeFrame,
  encodePrivate,
  latestStateKey,
  isGroupMessage,
  type ClientFrame,
  type ClientFrameOf,
  type GroupMessage,
  type Message,
  type Notification,
  type PrivateMessage,
  type ServerFrames,
  type ServerFrameType,
} from './protocol.js';
import type { Identity, SessionResolver } from './session-resolver.js';
import type { Transport } from './transport.js';
import { CredentialRecheck } from './credential-recheck.js';
import { Traffic } from './traffic.js';
import { RelayedTyping, TypingTracker, type TypingKey, type TypingState } from './typing-tracker.js';
import type { UserDirectory } from './user-directory.js';
import { UserBudgets } from '../user-budgets.js';
import { LruMap } from '../store/lru-map.js';
import { UnconfirmedSends } from './unconfirmed-sends.js';
import { requireUserId } from '../user-id.js';

/**
 * Keeps every user's connections and routes frames between them (contract
 * section 3). Storage, group membership, authentication and the users
 * themselves are injected.
 */
@injectable()
export class Manager {
  readonly options: ManagerOptions;
  /**
   * Observability hooks: 'frame' (type) for each valid frame, 'frameError' (code)
   * for each error frame sent, 'delivered' (type, connections written, ms) for
   * each envelope written out by this process. Emitted only while someone listens.
   */
  readonly events: EventEmitter = new EventEmitter();
  /** The counts behind /metrics, in plain numbers: what a frame costs the metrics is an addition. */
  readonly traffic = new Traffic();
  /** For host code (`parlor.events`): `message`, `notification` and `read`, after the commit. */
  readonly hostEvents: HostEvents;
  /**
   * The UserDirectory behind its cache: who may receive a message, a
   * notification or an invitation. Checked here, before anything is stored,
   * so every store and transport answers an unknown id alike (`not_found`).
   */
  readonly users: KnownUsers;
  /**
   * Who is in a group, for every frame and route: the injected fetcher, behind
   * a cache of accepted members when `groupCacheSize` > 0 (a host's groups).
   */
  readonly groups: GroupMemberFetcher;
  /** That cache; null when off. */
  readonly groupCache: KnownGroups | null;
  /** Message requests and blocks (contract section 6); open to everyone without a ConsentStore. */
  readonly consent: Consent;
  private readonly registry = new ConnectionRegistry();
  private readonly sessionOwners = new SessionOwners();
  private readonly ordersDuringUpgrade = new OrdersDuringUpgrade();
  private readonly typing: TypingTracker;
  private readonly inFlight: InFlight;
  private readonly log: Logger;
  private readonly heartbeat: Heartbeat;
  private readonly delivery: LocalDelivery;
  private readonly presence: Presence;
  private readonly resync: BrokerGapResync;
  private readonly deadlines: CredentialDeadlines;
  private readonly recheck: CredentialRecheck | undefined;
  private state: 'running' | 'closing' | 'closed' = 'running';
  private closing: Promise<void> | undefined;
  /** Aborted when `close()` starts: wakes replays waiting for a slow client. */
  private readonly shutdown = new AbortController();
  /** New connections per user (connectRate, connectBurst). */
  private readonly connectBudgets: UserBudgets;
  /** Conversations with strangers started per user (newConversationsPerDay). */
  private readonly newConversations: UserBudgets;
  /** `sync` frames per user (syncRate, syncBurst): each one costs a read per group and conversation of the user. */
  private readonly syncBudgets: UserBudgets;
  /** Pairs charged lately: the messages of one new conversation sent before the first is stored count once. */
  private readonly chargedPairs = new LruMap<string, true>(10_000);
  private readonly unconfirmed = new UnconfirmedSends();

  constructor(
    @inject(SESSION_RESOLVER) readonly sessions: SessionResolver,
    @inject(GROUP_MEMBER_FETCHER) fetcher: GroupMemberFetcher,
    @inject(MESSAGE_PERSISTER) readonly messages: MessagePersister,
    @inject(MANAGER_OPTIONS) options: Partial<ManagerOptions> = {},
    @inject(BROKER) private readonly broker: Broker = new InProcessBroker(),
    @inject(USER_DIRECTORY, { isOptional: true }) directory: UserDirectory = EVERYONE_EXISTS,
    @inject(CONSENT_STORE, { isOptional: true }) consentStore: ConsentStore | null = null,
  ) {
    this.options = resolveManagerOptions(options);
    this.connectBudgets = new UserBudgets({ rate: this.options.connectRate, burst: this.options.connectBurst }, this.options.now);
    this.syncBudgets = new UserBudgets({ rate: this.options.syncRate, burst: this.options.syncBurst }, this.options.now);
    const perDay = this.options.newConversationsPerDay;
    this.newConversations = new UserBudgets({ rate: perDay / 86_400, burst: perDay }, this.options.now);
    this.users = new KnownUsers(directory, this.options.userCacheSize);
    this.groupCache = this.options.groupCacheSize > 0 ? new KnownGroups(fetcher, this.options.groupCacheSize) : null;
    this.groups = this.groupCache ?? fetcher;
    this.consent = new Consent(consentStore, {
      groupContactsOf: this.groups.contactsOf?.bind(this.groups),
      hostGroups: !this.options.consentStoreKnowsGroups,
      recordWrites: !this.options.storesKnowWriters,
    });
    this.log = withLoggableErrors(this.options.logger ?? silentLogger);
    this.inFlight = new InFlight(this.log);
    this.hostEvents = new HostEvents(this.log);
    // A typing's stop goes to the users its `true`s were sent to, which the tracker holds: nothing to look up, nothing to fail.
    this.typing = new TypingTracker(this.options.typingTimeoutMs, (key, state) => this.sendTypingStop(key, state));
    // Several instances: a typist's instance may die before its stop; each instance then sends the stop itself (RelayedTyping).
    const relayedTyping = this.broker instanceof InProcessBroker ? null : new RelayedTyping(this.options.typingTimeoutMs, (stop) => this.deliverLocally(stop));
    this.delivery = new LocalDelivery(this.registry, (d) => void this.track(this.markDelivered(d)), relayedTyping);
    this.presence = new Presence(this.registry, this.broker, (userId) => this.consent.contactsOf(userId), (contacts, user_id, online) =>
      this.publish({ users: contacts }, 'presence', { user_id, online }), this.log, this.options.heartbeatIntervalMs);
    this.broker.setDeliver((envelope) => this.deliverLocally(envelope));
    // Tracked (a failure is logged), and returned: the broker repeats an announcement that failed.
    this.broker.setPresenceHandler?.((userId, online) => this.track(this.presence.announce(userId, online)));
    this.broker.setDisconnectHandler?.((order) => this.closeMatching(order));
    this.broker.setInvalidationHandler?.((invalidation) => this.forget(invalidation));
    this.resync = new BrokerGapResync(this.registry);
    this.broker.setResubscribedHandler?.((gap?: BrokerGap) => this.afterBrokerGap(gap));
    this.heartbeat = new Heartbeat(this.registry, this.options.heartbeatIntervalMs);
    this.deadlines = new CredentialDeadlines(this.options.now, (conn) => conn.close(CloseCode.logged_out, LoggedOutReason.token_expired));
    const stillValid = sessions.stillValid?.bind(sessions);
    const questions = {
      // Who each session's sockets here opened as: the sockets actually added, not every upgrade the resolver answered.
      sessions: stillValid && ((ids: readonly string[]) => stillValid(ids, (id) => this.sessionOwners.ownerOf(id))),
      tokens: this.options.tokensStillCurrent,
    };
    this.recheck =
      questions.sessions || questions.tokens
        ? new CredentialRecheck(this.registry, questions, (conn, reason) => conn.close(CloseCode.logged_out, reason), this.log)
        : undefined;
    this.recheck?.start(this.options.sessionRecheckMs);
  }

  /**
   * Takes one new connection from the user's budget, before the handshake:
   * 0 when admitted, else the milliseconds until one is (the upgrade answers
   * 429 with Retry-After).
   */
  admitConnection(userId: number): number {
    return this.connectBudgets.take(userId);
  }

  get isRunning(): boolean {
    return this.state === 'running';
  }

  // ---- connections -------------------------------------------------------

  /**
   * Takes over an authenticated socket: welcome, presence, then frames.
   * `transport`: the socket of its HTTP upgrade, which corks the frames of one
   * tick together and says when a slow client has caught up (see Transport).
   */
  addConnection(socket: SocketLike, identity: Identity, transport?: Transport): Connection {
    const conn = new Connection(socket, identity, this.options, transport);
    socket.on('message', (data: RawData, isBinary: boolean) => this.onFrame(conn, data, isBinary));
    // Every frame counts toward the rate limit (contract section 3), control frames too: ws answers each ping by
    // itself, so a ping flood would cost a pong each and never be refused; a pong needs no asking (RFC 6455 5.5.3).
    // Charged, and closed 1008 when abusive. An honest client's pongs are one per heartbeat.
    const charge = (): void => void conn.admitFrame();
    socket.on('ping', charge);
    socket.on('pong', charge);
    this.heartbeat.watch(conn);
    socket.on('close', (code: number) => {
      this.log.info({ conn: conn.id, userId: conn.userId, code }, 'socket closed');
      this.removeConnection(conn);
    });
    socket.on('error', (err: Error) => this.log.debug({ err, userId: conn.userId }, 'socket error'));

    if (!this.isRunning) {
      conn.close(CloseCode.going_away, 'server shutting down');
      return conn;
    }
    if (this.registry.count(identity.userId) >= this.options.maxConnectionsPerUser) {
      conn.close(CloseCode.policy_violation, 'too many connections');
      return conn;
    }
    const first = this.registry.add(conn);
    this.log.info({ conn: conn.id, userId: conn.userId, via: identity.via }, 'socket opened');
    if (identity.sessionId !== undefined) {
      // An upgrade still looking the session up that resolves it as another user read it before this sign-in: it ends.
      this.ordersDuringUpgrade.opened(identity.sessionId, conn.userId);
      const earlier = this.sessionOwners.opened(identity.sessionId, conn.userId);
      if (earlier !== undefined) this.closeSessionOf(earlier, identity.sessionId);
    }
    conn.send(encodeFrame('welcome', { user_id: conn.userId, timestamp: this.options.now() }));
    if (first) this.track(this.presence.cameOnline(conn.userId));
    if (identity.expiresAt !== undefined) this.deadlines.set(conn, identity.expiresAt);
    return conn;
  }

  private removeConnection(conn: Connection): void {
    this.deadlines.clear(conn);
    const sessionId = conn.identity.sessionId;
    if (sessionId !== undefined && !this.holdsSession(conn.userId, sessionId, conn)) this.sessionOwners.closed(sessionId, conn.userId);
    if (!this.registry.remove(conn)) return;
    // Once close() began the instance is leaving: no announcement (a survivor's sweep tells the cluster, and one
    // made now would read the stores or the host's contactsOf after close() resolved: the caller closes them next).
    if (!this.registry.has(conn.userId) && this.state === 'running') this.track(this.presence.wentOffline(conn.userId));
  }

  /**
   * Runs a change of who the user's contacts are (a block, an unblock, a group
   * accepted or left: contract section 6) and then updates presence on both
   * sides of each contact it ended or made (Presence.changeContacts), in
   * the background: the change's answer does not wait for it. The change
   * waits for the changes of contacts of the user (and of `options.peer`)
   * already under way, never for their connects. Parlor's own block and group routes use it; a host that owns
   * its groups runs its own membership changes through it for the same.
   */
  changeContacts<T>(userId: number, change: () => Awaitable<T>, options?: ContactChangeOptions<T>): Promise<T> {
    const { result, told } = this.presence.changeContacts(userId, change, options);
    void this.track(told);
    return result;
  }

  /** Whether the user holds a connection on this process. */
  isOnline(userId: number): boolean {
    return this.registry.has(userId);
  }

  /** The given users that hold a connection anywhere in the cluster; see Presence. */
  filterOnline(userIds: readonly number[]): Promise<number[]> {
    return this.presence.filterOnline(userIds);
  }

  onlineUsers(): number[] {
    return this.registry.users();
  }

  get connectionCount(): number {
    return this.registry.size;
  }

  // ---- credentials end, sockets end (contract section 5) -----------------

  /**
   * Closes every socket the order matches with 4401: here at once, on every
   * other instance when the broker delivers the order (within 2 s; Redis down:
   * at the next credential re-check, or a token's `exp` if sooner).
   * Returns how many sockets closed on this instance.
   */
  disconnect(order: DisconnectOrder): number {
    const closed = this.closeMatching(order);
    const published = this.broker.publishDisconnect?.(order);
    if (published instanceof Promise) this.track(published);
    return closed;
  }

  /**
   * Forgets a user or a group from this process's caches at once, and from
   * every other instance's when the broker delivers it (the host changed it:
   * `parlor.invalidateUser` / `invalidateGroup`).
   */
  invalidate(invalidation: CacheInvalidation): void {
    this.forget(invalidation);
    const published = this.broker.publishInvalidation?.(invalidation);
    if (published instanceof Promise) this.track(published);
  }

  /**
   * The broker was unsubscribed for a while: invalidations, disconnect orders
   * and frames for this instance's users published meanwhile are lost. The
   * caches start over, the sockets' sessions and tokens are checked now rather
   * than at the next interval, and every socket open now is closed with 1012
   * within the broker's window, so its client reconnects and `sync`s the
   * messages it missed (its socket never dropped, so it would not otherwise).
   */
  private afterBrokerGap(gap?: BrokerGap): void {
    this.users.forgetAll();
    this.groupCache?.forgetAll();
    if (this.recheck) void this.track(this.recheck.run());
    const windowMs = gap?.resyncWindowMs ?? DEFAULT_RESYNC_WINDOW_MS;
    const resyncing = this.state === 'running' ? this.resync.closeAll(windowMs) : 0;
    this.log.info({ resyncing, windowMs }, 'broker subscribed again: caches emptied, sessions and tokens re-checked, sockets closing with 1012 to resync');
  }

  private forget(invalidation: CacheInvalidation): void {
    if ('userId' in invalidation) this.users.invalidate(invalidation.userId);
    else this.groupCache?.invalidate(invalidation.groupId);
  }

  /** Logout: every socket of this session, on every instance. */
  closeSession(sessionId: string): number {
    return this.disconnect({ sessionId });
  }

  /**
   * A password change gave the user's session a new id (`keep`, a keep
   * order): its sockets here answer to it at once, those on other instances
   * when the order reaches them. Resolves once the broker took the order
   * (published, or dropped while Redis is down), so that the caller deletes
   * the old id only then (endOtherSignIns). Never rejects: a broker that
   * breaks its promise not to loses the order, as one that is down does, and
   * the password change still ends the other sign-ins.
   */
  async keepSession(userId: number, keep: KeptSession): Promise<void> {
    const order: DisconnectOrder = { userId, via: 'cookie', keep };
    this.closeMatching(order);
    await this.track(this.broker.publishDisconnect?.(order)).catch((err: unknown) =>
      this.log.warn({ err, userId }, 'a keep order reached local connections only; the kept sockets elsewhere end at their next re-check'),
    );
  }

  /**
   * Asks the resolver's `stillValid` about every cookie socket's session, and
   * `tokensStillCurrent` about every token socket's token, now (it also runs
   * every `sessionRecheckMs`); resolves with how many sockets it closed.
   * Without either: 0.
   */
  recheckSessions(): Promise<number> {
    return this.recheck ? this.recheck.run() : Promise.resolve(0);
  }

  /**
   * An upgrade's session lookup begins: orders heard until it `end`s are kept
   * for it, so that one that came meanwhile closes its socket too (upgrade.ts).
   */
  watchUpgrade(): UpgradeWatch {
    return this.ordersDuringUpgrade.watch();
  }

  /** Whether the user holds another socket of this session on this process. */
  private holdsSession(userId: number, sessionId: string, except: Connection): boolean {
    for (const conn of this.registry.of(userId) ?? []) if (conn !== except && conn.identity.sessionId === sessionId) return true;
    return false;
  }

  /**
   * The session now belongs to another user: the sockets it opened as `userId` end (SessionOwners).
   * Not an order: an upgrade under way for this session is the new user's, and must not end with them. One that
   * resolved the session as another user read it before this sign-in, and ends instead (OrdersDuringUpgrade.opened).
   */
  private closeSessionOf(userId: number, sessionId: string): void {
    const closed = this.closeLoggedOut(this.registry.of(userId) ?? [], { sessionId });
    if (closed > 0) this.log.info({ sockets: closed, userId }, 'closed sockets: their session signed in as another user');
  }

  private closeMatching(order: DisconnectOrder): number {
    this.ordersDuringUpgrade.heard(order);
    const closed = this.closeLoggedOut('userId' in order ? (this.registry.of(order.userId) ?? []) : this.registry.all(), order);
    if (closed > 0) this.log.info({ sockets: closed, userId: 'userId' in order ? order.userId : undefined }, 'closed sockets: credentials ended');
    if ('keep' in order) this.renameSession(order);
    return closed;
  }

  /**
   * The session a password change was made with was regenerated and stays
   * signed in: its sockets here answer to its new id from now on, so the
   * re-check asks about the id that lives and a later logout finds them.
   */
  private renameSession(order: KeepOrder): void {
    for (const conn of this.registry.of(order.userId) ?? []) applyRename(conn.identity, order);
    this.sessionOwners.renamed(order.keep.sessionId, order.keep.renamedTo);
  }

  /** Closes the open sockets among `candidates` that `order` names, with 4401 and its reason; how many. */
  private closeLoggedOut(candidates: Iterable<Connection>, order: DisconnectOrder): number {
    const matching = [...candidates].filter((conn) => conn.isOpen && matchesOrder(conn.identity, order, conn.tokenVersion));
    for (const conn of matching) conn.close(CloseCode.logged_out, reasonOf(order));
    return matching.length;
  }

  // ---- sending (also the host app's API) ---------------------------------

  sendToUser<T extends ServerFrameType>(userId: number, type: T, body: ServerFrames[T]): void {
    this.publish({ users: [userId] }, type, body);
  }

  async broadcastToGroup<T extends ServerFrameType>(groupId: number, type: T, body: ServerFrames[T]): Promise<void> {
    const members = await this.groups.acceptedMembers(groupId);
    if (!members) throw new ParlorError('not_found', `group ${groupId} does not exist`);
    this.publish({ users: members }, type, body);
  }

  /** Sends to every connection; returns how many this process reached (open ones: a socket closing is not written to). */
  broadcastToAll<T extends ServerFrameType>(type: T, body: ServerFrames[T]): number {
    let open = 0;
    for (const conn of this.registry.all()) if (conn.isOpen) open++;
    this.publish({ all: true }, type, body);
    return open;
  }

  /**
   * Stores a notification, then sends it to every connection of the user.
   * Host code calls it too (`parlor.manager.notify`), with ids it may hold as
   * digits: read as the number, anything else a TypeError (src/user-id.ts).
   */
  notify(hostUserId: number, subtype: string, message: string, data: Record<string, unknown> = {}): Promise<Notification> {
    // Counted whole (lookup, store, publish), so close() closes the broker only after it. Not refused during
    // close(): a caller may notify about a write it already stored (an invitation), which must not lose its notice.
    return this.counted(this.storeNotification(hostUserId, subtype, message, data));
  }

  private async storeNotification(hostUserId: number, subtype: string, message: string, data: Record<string, unknown>): Promise<Notification> {
    const userId = requireUserId(hostUserId, 'notify');
    await this.users.require(userId);
    const notification = await this.track(this.messages.saveNotification(userId, subtype, message, data));
    this.deliverNotification(userId, notification);
    return notification;
  }

  /**
   * Routes a notification already stored (by notify, or by a store in the
   * transaction of the write it belongs to: an invitation) to every
   * connection of the user, and tells host code.
   */
  deliverNotification(userId: number, notification: Notification): void {
    this.sendToUser(userId, 'notification', notification);
    if (this.hostEvents.has('notification')) {
      void this.track(this.offlineAmong([userId]).then((offline) => this.hostEvents.emit('notification', { notification, user_id: userId, offline })));
    }
  }

  /**
   * A private message sent over HTTP (POST /api/messages/private) or by host
   * code: stored and routed exactly like a `private` frame (storePrivate).
   * Refused with `unavailable` (503), storing nothing, once close() began; one
   * under way is waited for by close() before it closes the broker, so its
   * 201 means it was routed live like any other (contract sections 2 and 3).
   */
  sendPrivate(input: SavePrivateInput): Promise<Saved<PrivateMessage>> {
    return this.whileRunning(() => this.storePrivate(input));
  }

  /** The same for a group message (POST /api/messages/group): see sendPrivate and storeGroup. */
  sendGroup(input: SaveGroupInput): Promise<Saved<GroupMessage>> {
    return this.whileRunning(() => this.storeGroup(input));
  }

  /**
   * A send that is not a frame (frames are refused in onFrame and counted in
   * answer): refused once close() began, else counted until it settles so
   * that close() waits for it. The caller answers its failure.
   */
  private whileRunning<T>(send: () => Promise<T>): Promise<T> {
    if (this.state !== 'running') {
      return Promise.reject(new ParlorError('unavailable', 'the server is shutting down; nothing was stored: send it again (the same client_id) in a moment'));
    }
    return this.counted(send());
  }

  /**
   * Where close() is: Parlor's HTTP writes answer 503 `unavailable` once it is not `running`
   * (src/http/requests-during-close.ts), and `parlor.attach` is refused (src/app.ts).
   */
  get lifecycle(): 'running' | 'closing' | 'closed' {
    return this.state;
  }

  /**
   * Counts work done beside the Manager on the same stores and broker (a Parlor HTTP request under way, until
   * its response ends), so close() waits for it, as for a send, before it closes the broker and resolves.
   */
  countWork(work: Promise<unknown>): void {
    this.counted(work);
  }

  /** Counts work its caller waits for and answers (not logged here), so close() waits for it before it closes the broker. */
  private counted<T>(work: Promise<T>): Promise<T> {
    void this.inFlight.track(work.then(ignore, ignore));
    return work;
  }

  /**
   * Stores a private message and routes it live, skipping `exceptConnection`
   * (the sending socket). A resend of a stored client_id returns the earlier
   * message and routes nothing. The `private` frame and POST /api/messages/private
   * both come here, so the two cannot drift apart. `order`: the sending
   * connection's ArrivalOrder (its messages are stored in the order they
   * arrived, whatever their checks cost); its turn is taken before the first
   * await, so a frame must call this in the tick it arrived. An HTTP send has none.
   */
  private async storePrivate(input: SavePrivateInput, exceptConnection?: string, order: SendOrder = NO_ORDER): Promise<Saved<PrivateMessage>> {
    const turn = order.take();
    let admitted: Admission;
    let toSave: SavePrivateInput;
    // Inline, not an async helper: a send let through stays free of one more promise per message (issue 19).
    try {
      const checking = this.users.require(input.to);
      if (checking) await checking;
      // Built-in blocks first, then the host's policy (contract section 6).
      const admission = this.consent.admitPrivate(input.from, input.to);
      admitted = admission instanceof Promise ? await admission : admission;
      toSave = input;
      if (this.options.messagePolicy) toSave = await this.policed(input, { to: input.to });
      // Handed to the store in the order the socket's frames arrived (ArrivalOrder): usually nothing earlier is pending.
      const waiting = order.ready(turn);
      if (waiting) await waiting;
      if (this.options.messagePolicy || waiting) {
        // The policy (a moderation call) or an earlier message's checks may have taken their time: a block answered
        // meanwhile refuses the message, as the members of a group are read again (storeGroup).
        const again = this.consent.admitPrivate(input.from, input.to);
        admitted = again instanceof Promise ? await again : again;
      }
      // Charged once the policy let it through: a message the host refuses starts no conversation.
      if (!admitted.senderWrote && !admitted.recipientAccepted) this.chargeNewConversation(input.from, input.to);
      // The sender's first message to this recipient is recorded before it is stored, within its turn: the recipient
      // must not see it before the record (a reply would count as a stranger's), and the socket's later messages must
      // not be routed before it. A store that then fails leaves the record, which the resend would make anyway. A
      // failed record does not stop the message (the sender's next message records it again).
      const noting = this.consent.noteWritten(input.from, input.to, admitted);
      if (noting) {
        await noting.catch((err: unknown) => this.log.warn({ err, from: input.from, to: input.to }, 'could not record who wrote to whom; the conversation stays a request until the next message'));
        // A block answered during the record's write refuses the message too (as after a policy or a turn's wait).
        const again = this.consent.admitPrivate(input.from, input.to);
        if (again instanceof Promise) await again;
      }
    } catch (refusal) {
      order.release(turn);
      return this.storedResend(input.from, input.clientId, (m): m is PrivateMessage => !isGroupMessage(m) && m.to === input.to, refusal);
    }
    let saved: Saved<PrivateMessage>;
    try {
      saved = await order.handOver(turn, () => this.messages.savePrivate(toSave));
    } catch (err) {
      throw this.unconfirmed.failed(input.from, input.clientId, err);
    }
    if (this.unconfirmed.isNew(saved, input.from, input.clientId)) {
      this.routePrivate(saved.message, exceptConnection, admitted.recipientAccepted);
      this.announceMessage(saved.message, [saved.message.to]);
      // The sender's first message in the conversation may have made the two contacts (a reply, or two first messages that crossed).
      if (!admitted.senderWrote && this.consent.enabled) void this.track(this.introduceIfContacts(input.from, input.to));
    }
    return saved;
  }

  /**
   * A send refused before it is stored, whose client_id names a message the
   * sender already stored (its ack was lost, then a block, a removal from the
   * group or a budget came between): answered with that message, as every
   * resend is (contract section 3), and routed nothing. `isResend`: whether
   * that message went where this send goes (same kind, same recipient or
   * group), as a store asks before it answers a resend
   * (src/store/domain/idempotency.ts): a message to another conversation is
   * not this send's lost ack. Otherwise, and for anything but a refusal (an
   * outage), the refusal stands. Asked only on a refusal, so a send that is
   * let through costs no read.
   */
  private async storedResend<M extends Message>(
    from: number,
    clientId: string | undefined,
    isResend: (m: Message) => m is M,
    refusal: unknown,
  ): Promise<Saved<M>> {
    if (clientId === undefined || !isClientMistake(refusal) || !this.messages.messageByClientId) throw refusal;
    const earlier = await this.messages.messageByClientId(from, clientId);
    if (!earlier || !isResend(earlier)) throw refusal;
    return { message: earlier, duplicate: true };
  }

  private async introduceIfContacts(from: number, to: number): Promise<void> {
    if (await this.consent.becameContacts(from, to)) await this.presence.introduce(from, to);
  }

  /** A stranger's first message: one of the sender's newConversationsPerDay, once per pair. */
  private chargeNewConversation(from: number, to: number): void {
    const pair = `${from},${to}`;
    if (this.chargedPairs.peek(pair)) return;
    if (this.newConversations.take(from) > 0) {
      throw new ParlorError('rate_limited', `you started ${this.options.newConversationsPerDay} conversations with people you had no contact with today; try again later`);
    }
    this.chargedPairs.set(pair, true);
  }

  /** The same for a group: 404/403 (`not_found`/`forbidden`) unless the sender is an accepted member. */
  private async storeGroup(input: SaveGroupInput, exceptConnection?: string, order: SendOrder = NO_ORDER): Promise<Saved<GroupMessage>> {
    const turn = order.take();
    let members: readonly number[];
    let toSave: SaveGroupInput;
    try {
      members = await this.requireMembership(input.groupId, input.from);
      toSave = input;
      if (this.options.messagePolicy) toSave = await this.policed(input, { group_id: input.groupId });
      // Handed to the store in the order the socket's frames arrived (ArrivalOrder): usually nothing earlier is pending.
      const waiting = order.ready(turn);
      if (waiting) await waiting;
      // The policy (a moderation call) or an earlier message's checks may have taken their time: the members as they
      // are now, so a member who left meanwhile gets nothing, and a sender who left or was removed is refused.
      if (this.options.messagePolicy || waiting) members = await this.requireMembership(input.groupId, input.from);
    } catch (refusal) {
      order.release(turn);
      return this.storedResend(input.from, input.clientId, (m): m is GroupMessage => isGroupMessage(m) && m.group_id === input.groupId, refusal);
    }
    // Routed with no await between the commit and the frames, so one group's messages go out in the order they were
    // stored (a lookup after the commit could answer out of order). A leave that commits during this message's own
    // commit may still see it delivered: the window is one group commit.
    let saved: Saved<GroupMessage>;
    try {
      saved = await order.handOver(turn, () => this.messages.saveGroup(toSave));
    } catch (err) {
      throw this.unconfirmed.failed(input.from, input.clientId, err);
    }
    if (this.unconfirmed.isNew(saved, input.from, input.clientId)) {
      this.routeGroup(saved.message, members, exceptConnection);
      this.announceMessage(saved.message, members.filter((u) => u !== input.from));
    }
    return saved;
  }

  /**
   * Routes an already stored private message live. `receipt`: whether the
   * sender gets `delivered` (not while the recipient has not accepted the
   * conversation); absent, it is looked up when the message is delivered.
   */
  routePrivate(m: PrivateMessage, exceptConnection?: string, receipt?: boolean): void {
    const users = m.to === m.from ? [m.to] : [m.to, m.from];
    const delivery: DeliveryTracking = { messageId: m.id, senderId: m.from, recipientId: m.to };
    if (receipt !== undefined) delivery.receipt = receipt;
    this.publish({ users, except: exceptConnection, delivery }, 'private', m, encodePrivate(m));
    this.stopTyping({ from: m.from, to: m.to });
  }

  /** Routes a stored group message live to the accepted members. */
  routeGroup(m: GroupMessage, members: readonly number[], exceptConnection?: string): void {
    this.publish({ users: members, except: exceptConnection }, 'group', m);
    this.stopTyping({ from: m.from, group_id: m.group_id });
  }

  /** The input as the host's policy lets it be stored (its content rewritten, or `forbidden`); only called when there is a policy. */
  private async policed<I extends SavePrivateInput | SaveGroupInput>(input: I, target: { to: number } | { group_id: number }): Promise<I> {
    const content = await applyPolicy(this.options.messagePolicy, { from: input.from, ...target, content: input.content });
    return content === input.content ? input : { ...input, content };
  }

  /** `parlor.events` 'message', after the commit; nothing is computed when nobody listens. */
  private announceMessage(message: Message, recipients: number[]): void {
    if (!this.hostEvents.has('message')) return;
    void this.track(this.offlineAmong(recipients).then((offline) => this.hostEvents.emit('message', { message, recipients, offline })));
  }

  /** The users with no connection anywhere in the cluster (presence: this process, or Redis across instances). */
  private async offlineAmong(users: readonly number[]): Promise<number[]> {
    const online = new Set(await this.presence.filterOnline(users));
    return users.filter((u) => !online.has(u));
  }

  private publish<T extends ServerFrameType>(
    target: Omit<Envelope, 'type' | 'raw'>,
    type: T,
    body: ServerFrames[T],
    raw = encodeFrame(type, body),
  ): void {
    // Each user once, here for every broker and the local delivery alike (a read of a note to oneself, a store's duplicate contact).
    const users = target.users && target.users.length > 1 ? [...new Set(target.users)] : target.users;
    // Every field written, in one order, from an object literal. A `{ ...target, type, raw }`
    // spread here kept each routed message's objects alive through young-generation GCs, so they
    // were promoted and only a full GC freed them (issue 19, eighth pass in bench/RESULTS.md: about
    // 450 against 55 KB promoted per scavenge, measured; which V8 path does it was not found).
    const envelope: Envelope = {
      type,
      raw,
      users,
      all: target.all,
      except: target.except,
      delivery: target.delivery,
      latestKey: latestStateKey(type, body),
    };
    const published = this.broker.publish(envelope);
    // The in-process broker delivers synchronously: nothing to wait for, no promise per frame.
    if (published instanceof Promise) this.track(published);
  }

  /** Writes an envelope to this process's connections, counted for /metrics. */
  private deliverLocally(envelope: Envelope): void {
    const timed = this.traffic.onFanOut !== null || this.events.listenerCount('delivered') > 0;
    const started = timed ? performance.now() : 0;
    const written = this.delivery.deliver(envelope);
    if (written > 0) this.traffic.sent.add(envelope.type, written);
    if (!timed) return;
    const ms = performance.now() - started;
    this.traffic.onFanOut?.(ms / 1000);
    if (this.events.listenerCount('delivered') > 0) this.events.emit('delivered', envelope.type, written, ms);
  }

  private async markDelivered({ messageId, senderId, recipientId, receipt }: DeliveryTracking): Promise<void> {
    // The sender hears of it only once the recipient has accepted (a replayed message: ask). Asked before the mark
    // commits, so the receipt goes out with no await after the commit: a `read` committed later cannot overtake it
    // (the sender would be set back from read to delivered). Recorded either way, the question failing too.
    let toSender = receipt;
    let failure: unknown;
    if (toSender === undefined) {
      try {
        toSender = await this.consent.maySignal(recipientId, senderId);
      } catch (err) {
        failure = err;
      }
    }
    const fresh = this.messages.markDelivered ? await this.messages.markDelivered(messageId, recipientId) : true;
    if (failure !== undefined) throw failure;
    if (fresh && toSender) this.sendDelivered(messageId, senderId, recipientId);
  }

  /** The one `delivered` receipt of a message, to its sender's connections. */
  private sendDelivered(messageId: number, senderId: number, recipientId: number): void {
    const body = { message_id: messageId, status: 'delivered' as const, user_id: recipientId, timestamp: this.options.now() };
    this.publish({ users: [senderId] }, 'receipt', body, encodeDelivered(messageId, recipientId, body.timestamp));
  }

  // ---- incoming frames ---------------------------------------------------

  /** Not async itself: the frame's work is one tracked promise, with no second one around it. */
  private onFrame(conn: Connection, data: RawData, isBinary: boolean): void {
    // ws still emits frames while CLOSING: a refused, logged-out or shut-down socket must not store or route.
    // Once close() began, no frame is taken either: close() waits for the work in flight, and clients that
    // kept sending would keep that from ever ending. Nothing of such a frame is stored or acked, so a client
    // resends it after the 1001 and its reconnect (the SDK does), idempotent by its client_id.
    if (!conn.isOpen || this.state !== 'running') return;
    const admitted = conn.admitFrame();
    if (admitted === 'abusive') return;
    if (admitted === 'limited') {
      return this.sendError(conn, 'rate_limited', 'too many frames, slow down', clientIdOfRaw(data, isBinary));
    }
    const parsed = parseClientFrame(data, isBinary);
    if (!parsed.ok) return this.sendError(conn, parsed.code, parsed.message, parsed.clientId);
    this.traffic.received.add(parsed.frame.type);
    this.events.emit('frame', parsed.frame.type);
    void this.track(this.answer(conn, parsed.frame));
  }

  /** Runs a frame; a failure becomes its `error` frame. Client mistakes are logged at debug only, without a stack. */
  private async answer(conn: Connection, frame: ClientFrame): Promise<void> {
    try {
      await this.dispatch(conn, frame);
    } catch (err) {
      const clientId = 'client_id' in frame ? frame.client_id : undefined;
      if (err instanceof ParlorError && err.code in FrameErrorCode) {
        this.log.debug({ userId: conn.userId, type: frame.type, code: err.code }, 'frame refused');
        return this.sendError(conn, err.code as FrameErrorCode, err.message, clientId);
      }
      // A host interface that throws is the host's outage: a warning naming it (docs/operations.md); anything else is ours.
      if (err instanceof InterfaceFailure) this.log.warn({ err: err.cause, interface: err.interfaceName, userId: conn.userId, type: frame.type }, `${err.interfaceName} failed`);
      else this.log.error({ err, userId: conn.userId, type: frame.type }, 'frame failed');
      this.sendError(conn, 'internal', INTERNAL_FRAME_ERROR, clientId);
    }
  }

  private dispatch(conn: Connection, frame: ClientFrame): Promise<void> {
    switch (frame.type) {
      case 'private':
        return this.onPrivate(conn, frame);
      case 'group':
        return this.onGroup(conn, frame);
      case 'broadcast':
        return this.onBroadcast(conn, frame);
      case 'typing':
        return this.onTyping(conn, frame);
      case 'read':
        return this.onRead(conn, frame);
      case 'sync':
        return this.onSync(conn, frame);
      case 'refresh':
        return this.onRefresh(conn, frame);
    }
  }

  private async onPrivate(conn: Connection, f: ClientFrameOf<'private'>): Promise<void> {
    const saved = await this.storePrivate({ from: conn.userId, to: f.to, content: f.content, clientId: f.client_id }, conn.id, conn.arrivals);
    this.ack(conn, f.client_id, saved.message);
  }

  private async onGroup(conn: Connection, f: ClientFrameOf<'group'>): Promise<void> {
    const saved = await this.storeGroup({ from: conn.userId, groupId: f.group_id, content: f.content, clientId: f.client_id }, conn.id, conn.arrivals);
    this.ack(conn, f.client_id, saved.message);
  }

  private async onBroadcast(conn: Connection, f: ClientFrameOf<'broadcast'>): Promise<void> {
    if (!(await this.options.isAdmin(conn.identity))) throw new ParlorError('forbidden', 'only admins may broadcast');
    this.broadcastToAll('broadcast', { from: conn.userId, content: f.content, timestamp: this.options.now() });
  }

  private async onTyping(conn: Connection, f: ClientFrameOf<'typing'>): Promise<void> {
    // Typing in a note to self tells nobody: typing never reaches the typist's own connections.
    if (f.to === conn.userId) return;
    const key: TypingKey =
      f.group_id !== undefined ? { from: conn.userId, group_id: f.group_id } : { from: conn.userId, to: f.to! };
    if (!f.is_typing) return this.onTypingStop(key);
    const audience = await this.typingAudience(key);
    if (!audience) return;
    this.typing.touch(key, audience.users);
    this.publish({ users: audience.users }, 'typing', typingBody(key, true));
  }

  /**
   * The client's `is_typing: false`. It goes to the users the typing was
   * shown to (sendTypingStop), a leave or a block since notwithstanding, and
   * is never refused: a typist who left the group can still take its
   * indicator down. A stop of a typing the tracker does not hold (ended
   * already by its timer or a message, or never started) goes to nobody:
   * whoever was shown it has had its stop. With several instances the typing
   * may be held by another instance (the typist's other device): the stop is
   * then relayed to the audience as it is now, and each instance writes it
   * only to the users it showed that typing (RelayedTyping), so a member who
   * joined since hears nothing of it.
   */
  private async onTypingStop(key: TypingKey): Promise<void> {
    // The audience is asked for a stop too, though only a relay uses it: the stop then waits as long as a `true` of this
    // typist that arrived just before it, and cannot overtake it (frames of one typist keep their order).
    let audience: { users: readonly number[] } | null = null;
    let failure: unknown;
    try {
      audience = await this.typingAudience(key);
    } catch (err) {
      if (!(err instanceof ParlorError)) failure = err; // a refusal (not a member, no such user) does not stop a stop
    }
    const typed = this.typing.clear(key);
    if (typed) this.sendTypingStop(key, typed);
    else if (audience && this.delivery.relayedTyping) this.publish({ users: audience.users }, 'typing', typingBody(key, false));
    // An interface outage is reported as for any frame (logged), once the stop it could not keep back has gone.
    if (failure !== undefined) throw failure;
  }

  /**
   * Who sees a typist now (contract section 6: typing passes between
   * contacts, never between users blocked either way): the other side when
   * the two are contacts (null otherwise: dropped silently, since an error
   * would tell a stranger it was refused), or the group's other accepted
   * members but those blocked either way.
   */
  private async typingAudience(key: TypingKey): Promise<{ users: readonly number[] } | null> {
    if ('to' in key) {
      if (await this.consent.areContacts(key.from, key.to)) return { users: [key.to] };
      await this.users.require(key.to); // no contact: not_found if nobody, else a stranger (or blocked), dropped
      return null;
    }
    const others = (await this.requireMembership(key.group_id, key.from)).filter((u) => u !== key.from);
    return { users: await this.consent.withoutBlocked(key.from, others) };
  }

  private async onRead(conn: Connection, f: ClientFrameOf<'read'>): Promise<void> {
    const now = this.options.now();
    if (f.group_id !== undefined) {
      await this.requireMembership(f.group_id, conn.userId);
      if (!this.messages.markGroupRead) throw new ParlorError('bad_request', 'read markers are not enabled');
      const marked = await this.messages.markGroupRead(conn.userId, f.group_id, f.message_id);
      if (!marked) throw new ParlorError('not_found', `message ${f.message_id} is not in group ${f.group_id}`);
      // Already read up to it: the other connections' markers are further on, and stay there.
      if (marked === 'unchanged') return;
      const body = { message_id: f.message_id, status: 'read' as const, user_id: conn.userId, group_id: f.group_id, timestamp: now };
      this.publish({ users: [conn.userId], except: conn.id }, 'receipt', body);
      this.hostEvents.emit('read', { user_id: conn.userId, message_id: f.message_id, group_id: f.group_id });
      return;
    }
    if (!this.messages.markRead) throw new ParlorError('bad_request', 'read receipts are not enabled');
    const result = await this.messages.markRead(conn.userId, f.message_id);
    if (!result) throw new ParlorError('not_found', `message ${f.message_id} is not a private message to you`);
    const body = { message_id: result.messageId, status: 'read' as const, user_id: conn.userId, timestamp: now };
    // The reader's other devices learn the marker moved, right after the commit: reads of one conversation that overlap
    // (two devices) reach them in commit order, never a marker moved back by a read whose later question answered last.
    // Read before, or below the marker (markerMoved false): their markers are at it or past it (a receipt would move them back).
    if (!result.unchanged && result.markerMoved !== false) this.publish({ users: [conn.userId], except: conn.id }, 'receipt', body);
    // The sender learns it was read once the reader has accepted the conversation (told again: a read of a request was
    // kept from it until the reader accepted). Not a note to oneself: it has no `delivered` receipt (contract), as
    // LocalDelivery.deliveredOnce skips it live, and its reader's devices were told above.
    if (result.senderId !== conn.userId && (await this.consent.maySignal(conn.userId, result.senderId))) {
      // Read before its batched `delivered` mark committed (or read from history): the read set `delivered` too, so it announces it, first.
      for (const id of result.delivered ?? []) this.sendDelivered(id, result.senderId, conn.userId);
      this.publish({ users: [result.senderId] }, 'receipt', body);
    }
    if (!result.unchanged) this.hostEvents.emit('read', { user_id: conn.userId, message_id: result.messageId });
  }

  private async onSync(conn: Connection, f: ClientFrameOf<'sync'>): Promise<void> {
    const messagesSince = this.messages.messagesSince?.bind(this.messages);
    if (!messagesSince) throw new ParlorError('bad_request', 'sync is not enabled');
    // Charged to the user, not the connection: 32 sockets must not make one account's reads 32 times as many.
    if (this.syncBudgets.take(conn.userId) > 0) throw new ParlorError('rate_limited', 'too many syncs, slow down');
    // A host's groups have no membership row in the store: their ids come from the fetcher, asked once per replay.
    const groupIds = await this.hostGroupIdsOf(conn.userId);
    await replaySince(conn, f.since, {
      messagesSince: (userId, sinceId, limit) => messagesSince(userId, sinceId, limit, groupIds),
      pageSize: this.options.syncPageSize,
      bufferBudget: this.options.shedBufferedBytes,
      // A replayed private message to this user counts as delivered, exactly like a live one.
      onDeliveredTo: (m) =>
        isGroupMessage(m) || m.to !== conn.userId ? undefined : this.delivery.deliveredOnce({ messageId: m.id, senderId: m.from, recipientId: m.to }),
      shutdown: this.shutdown.signal,
    });
  }

  /** A newer token of the same user moves the socket's deadline; anything else leaves it where it was. */
  private async onRefresh(conn: Connection, f: ClientFrameOf<'refresh'>): Promise<void> {
    if (conn.identity.via !== 'token' || !this.options.verifyToken) {
      throw new ParlorError('bad_request', 'refresh is for sockets opened with a bearer token');
    }
    const identity = await this.options.verifyToken(f.token);
    if (!identity || identity.expiresAt === undefined) throw new ParlorError('bad_request', 'the token is invalid, expired or revoked');
    if (identity.userId !== conn.userId) throw new ParlorError('forbidden', 'the token belongs to another user');
    // Contract section 5: a newer token. An older one would pull the socket's end forward, and its version back.
    if (identity.expiresAt < (this.deadlines.endOf(conn) ?? 0)) throw new ParlorError('bad_request', 'the token ends before the one the socket holds: send a newer one');
    if (!conn.isOpen) return;
    this.deadlines.set(conn, identity.expiresAt);
    conn.tokenVersion = identity.tokenVersion;
    conn.send(encodeFrame('refreshed', { expires_at: identity.expiresAt }));
  }

  // ---- helpers -----------------------------------------------------------

  /**
   * The accepted members of a group the user is an accepted member of:
   * `not_found` when the group does not exist, `forbidden` when the user is
   * not in it. Frames and HTTP routes alike check membership here.
   */
  /**
   * The groups the GroupMemberFetcher's `groupsOf` lists the user as an
   * accepted member of (undefined without `groupsOf`): what a store that keeps
   * no membership row for a host's groups is given to read them too (sync,
   * the conversation list). Not asked when the stores know the groups themselves (`storesKnowGroups`).
   */
  async hostGroupIdsOf(userId: number): Promise<number[] | undefined> {
    if (this.options.storesKnowGroups || !this.groups.groupsOf) return undefined;
    return acceptedIds(await this.groups.groupsOf(userId));
  }

  async requireMembership(groupId: number, userId: number): Promise<readonly number[]> {
    const members = await this.groups.acceptedMembers(groupId);
    if (!members) throw new ParlorError('not_found', `group ${groupId} does not exist`);
    if (!members.includes(userId)) throw new ParlorError('forbidden', `you are not a member of group ${groupId}`);
    return members;
  }

  /**
   * The end of a typing the tracker knew (the client's stop, its 3 s timer,
   * its message): to exactly the users its `true`s were sent to (TypingTracker),
   * a block or a leave since notwithstanding, or the indicator would stay on
   * for good; nobody it was never shown to (a member who joined since) hears
   * of it. Nothing is read again: the stop cannot fail or wait.
   */
  private sendTypingStop(key: TypingKey, { audience }: TypingState): void {
    if (audience.length > 0) this.publish({ users: audience }, 'typing', typingBody(key, false));
  }

  private stopTyping(key: TypingKey): void {
    const typed = this.typing.clear(key);
    if (typed) this.sendTypingStop(key, typed);
  }

  private ack(conn: Connection, clientId: string | undefined, m: Message): void {
    conn.send(encodeAck(clientId ?? null, m.id, m.timestamp));
  }

  private sendError(conn: Connection, code: FrameErrorCode, message: string, clientId?: string): void {
    this.traffic.errors.add(code);
    this.events.emit('frameError', code);
    conn.send(encodeFrame('error', clientId === undefined ? { code, message } : { code, message, client_id: clientId }));
  }

  private track<T>(work: T | Promise<T>): Promise<T> {
    return this.inFlight.track(work);
  }

  // ---- lifecycle ---------------------------------------------------------

  /**
   * Stops taking connections, frames and sends (sendPrivate, sendGroup: `unavailable`), waits for the writes
   * under way (frames, HTTP sends, notify, countWork: Parlor's HTTP requests) so they are routed before the broker closes, then closes every
   * socket with 1001. Every call, a second one during the first included (a host with both a SIGINT and a
   * SIGTERM handler), resolves then.
   */
  close(): Promise<void> {
    return (this.closing ??= this.shutDown());
  }

  private async shutDown(): Promise<void> {
    this.state = 'closing';
    this.shutdown.abort();
    this.heartbeat.stop();
    this.resync.stop();
    this.presence.stop();
    this.recheck?.stop();
    this.deadlines.clearAll();
    this.typing.clearAll();
    this.delivery.relayedTyping?.clearAll();
    if (!(await this.inFlight.drainWithin(this.options.shutdownWaitMs))) {
      this.log.warn(
        { waiting: this.inFlight.size, waitedMs: this.options.shutdownWaitMs },
        'shutdown: work still in flight (frames or HTTP requests: a host policy or interface not answering, or a client sending its request body slowly?); closing without it: unacked frames are resent by their clients, requests get no answer',
      );
    }
    for (const conn of this.registry.all()) conn.close(CloseCode.going_away, 'server shutting down');
    await this.broker.close();
    this.state = 'closed';
  }
}

/** A settled promise's value or reason, dropped: counted work whose caller answers it. */
function ignore(): void {}

/** The ids of the groups a `groupsOf` answer lists as accepted. */
function acceptedIds(groups: ReadonlyArray<{ id: number; status: string }>): number[] {
  return groups.filter((g) => g.status === 'accepted').map((g) => g.id);
}

function typingBody(key: TypingKey, isTyping: boolean) {
  return 'to' in key ? { from: key.from, to: key.to, is_typing: isTyping } : { from: key.from, group_id: key.group_id, is_typing: isTyping };
}

/**
 * What a client is told when its frame failed on the server. Not "nothing was
 * stored": a PostgreSQL commit whose answer was lost did store it. A resend
 * with the same client_id is safe either way (acked, never stored twice).
 */
const INTERNAL_FRAME_ERROR = 'the frame could not be processed (it may or may not have been stored); resend it with the same client_id';
