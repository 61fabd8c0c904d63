/**
 * `ParlorClient`: one logical connection to a Parlor server that survives
 * network drops. It reconnects with jittered backoff, asks for the messages it
 * missed (`sync`), resends unacknowledged messages with their `client_id`, and
 * hands the app each stored message once, in order.
 */
import type { ServerFrame } from '../websocket/protocol.js';
import { TypedEmitter } from './emitter.js';
import { handshakeError, ParlorClientError, terminalCloseError, type ParlorClientErrorCode } from './errors.js';
import type { ConnectionState, ParlorClientEvents } from './events.js';
import { encode, isMessageFrame, parseServerFrame, type TypingTarget } from './frames.js';
import { Inbox, type MessageFrame } from './inbox.js';
import { resolveClientOptions, type ParlorClientOptions, type ResolvedClientOptions } from './options.js';
import { Outbox, type SendAck } from './outbox.js';
import { ReadConversations } from './read-conversations.js';
import { Reconnector } from './reconnector.js';
import { SendPacer } from './send-pacer.js';
import { attachSocket, ReadyState, type WebSocketLike } from './socket.js';
import { TokenRefresher } from './token-refresher.js';
import { CloseCode, LoggedOutReason } from '../errors.js';
import { MAX_CLIENT_ID_CHARS, MAX_CONTENT_CHARS, withinCharacters } from '../wire-limits.js';

export interface SendOptions {
  /** Reuse a client id to retry a send safely (after a `timeout`, or across a page reload). */
  clientId?: string;
}

export type { TypingTarget } from './frames.js';

/** How long a sync the server answered `rate_limited` waits before it is written again. */
const SYNC_RETRY_MS = 1000;

const TOO_LONG = Symbol('too long');

/**
 * The content of a send (private, group, broadcast) as it is written, or TOO_LONG. The server trims the text
 * and stores it trimmed: it is written trimmed too, or surrounding whitespace (a paste ending in 70,000
 * newlines) would pass the check and take the frame past the server's frame limit. The server's answer to too
 * long a text depends on its size: `too_large`, or, past its frame limit, a 1009 close that stops the client
 * and rejects every waiting send. So a text over MAX_CONTENT_CHARS, counted as the server counts (characters of
 * the trimmed text), is never written. Within it, a frame is under MIN_FRAME_BYTES (src/wire-limits.ts), the
 * least MAX_FRAME_BYTES the server takes: no frame-size check of its own is needed. Anything but a string (a
 * JavaScript caller's mistake) is written as given, for the server to refuse.
 */
function contentToWrite(content: string): string | typeof TOO_LONG {
  const text = typeof content === 'string' ? content.trim() : content;
  return typeof text === 'string' && !withinCharacters(text, MAX_CONTENT_CHARS) ? TOO_LONG : text;
}

export class ParlorClient extends TypedEmitter<ParlorClientEvents> {
  private readonly options: ResolvedClientOptions;
  private readonly outbox: Outbox;
  private inbox: Inbox;
  /** Whose conversation a `read` mark moves: a newer mark replaces a queued one of the same conversation. */
  private readConversations: ReadConversations;
  /** The user of the last `welcome`, across connections: a `connect()` as someone else starts the inbox over. */
  private lastUserId: number | null = null;
  private readonly reconnector: Reconnector;
  private readonly tokens: TokenRefresher | undefined;
  /** Counts openSocket() calls, so a token that arrives for an abandoned attempt is dropped. */
  private attempts = 0;
  private current: ConnectionState = 'idle';
  private socket: WebSocketLike | null = null;
  private detachSocket: (() => void) | null = null;
  private opened = false;
  private syncTimer: ReturnType<typeof setTimeout> | undefined;
  /** Set while a sync the server answered `rate_limited` waits to be written again. */
  private syncRetryTimer: ReturnType<typeof setTimeout> | undefined;
  /** The server answered this connection's last sync with `synced` (false: it timed out; sync is off there). */
  private syncAnswers = true;
  /** Set while a socket waits for its token: a getToken() that takes longer than getTokenTimeoutMs fails the attempt. */
  private tokenTimer: ReturnType<typeof setTimeout> | undefined;
  /** Set while queued frames wait for the pacer. */
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly pacer: SendPacer;
  /** Why the upgrade was refused, when the socket implementation said so in an `error` event. */
  private refusal: ParlorClientError | undefined;
  private welcome: ServerFrame<'welcome'> | null = null;

  constructor(options: ParlorClientOptions) {
    super();
    this.options = resolveClientOptions(options);
    this.outbox = new Outbox(this.options.ackTimeoutMs);
    this.pacer = new SendPacer(this.options.sendRate, this.options.sendBurst);
    this.inbox = new Inbox(this.options.since, this.options.dedupWindow);
    this.readConversations = new ReadConversations(this.options.dedupWindow);
    this.reconnector = new Reconnector(this.options);
    this.tokens = this.options.getToken ? new TokenRefresher(this.options.getToken, this.options.refreshAheadMs) : undefined;
    if (this.options.autoConnect) {
      queueMicrotask(() => {
        if (this.current === 'idle') this.openSocket();
      });
    }
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** The `since` of the next `sync`: every private/group message up to it was delivered (it moves with replays, not live messages). Persist it to resume later. */
  get lastSeenId(): number {
    return this.inbox.lastSeenId;
  }

  /** The user this connection authenticated as (from `welcome`), or null while not connected. */
  get userId(): number | null {
    return this.welcome?.user_id ?? null;
  }

  /** Messages sent but not yet acknowledged, queued or in flight. */
  get pending(): number {
    return this.outbox.pendingMessages;
  }

  /**
   * Open a new socket at once, whatever the state: one that is open or being opened is closed (1000) first.
   * Resolves with the next `welcome`; rejects if the client stops first.
   */
  connect(): Promise<ServerFrame<'welcome'>> {
    // Open or connecting, the app has a reason to start over: someone else signed in on the page (the host kept
    // the session cookie, so the open socket is still the last user's: the new one's welcome says who it is, see
    // userChanged), or an attempt hangs (a getToken() that never settles; its late answer is ignored: attempts).
    if (this.current === 'open' || this.current === 'connecting') this.abandonSocket('connect() called: starting over');
    const welcomed = this.nextWelcome();
    // The app asked (a "retry now"): the backoff starts over, whether the client gave up (retries_exhausted), was
    // closed or was waiting for its next attempt; else one failed try could use up maxReconnectAttempts at once.
    this.reconnector.reset();
    this.openSocket();
    return welcomed;
  }

  /** Close with 1000, stop reconnecting, reject sends still waiting for their ack (`closed`). */
  close(reason = ''): void {
    if (this.current !== 'closed') this.stop(1000, reason);
  }

  /** Send a private message; resolves once the server has stored it. */
  sendPrivate(to: number, content: string, options: SendOptions = {}): Promise<SendAck> {
    return this.sendMessage(content, options.clientId, (clientId, text) => encode.privateMessage(to, text, clientId));
  }

  /** Send a message to a group; resolves once the server has stored it. */
  sendGroup(groupId: number, content: string, options: SendOptions = {}): Promise<SendAck> {
    return this.sendMessage(content, options.clientId, (clientId, text) => encode.groupMessage(groupId, text, clientId));
  }

  /**
   * Broadcast to every connection (admins only). Broadcasts are not stored,
   * acknowledged nor deduplicated, so they are never queued or resent:
   * returns false when not connected. Content over MAX_CONTENT_CHARS (after
   * trimming) is refused here, as by the other sends: false, never written.
   * A refusal by the server arrives as an `error` event.
   */
  broadcast(content: string): boolean {
    const text = contentToWrite(content);
    return text !== TOO_LONG && this.writeUnlessReplaying(encode.broadcast(text));
  }

  /** Tell a user or a group that I am (not) typing. Ephemeral: returns false, and drops it, when not connected. */
  typing(target: TypingTarget, isTyping = true): boolean {
    return this.writeUnlessReplaying(encode.typing(target, isTyping));
  }

  /**
   * Mark a private message (and the earlier ones from its sender) read, or move
   * my read marker in a group. Queued while disconnected, written once; a newer mark of the same
   * conversation replaces one still queued (see ReadConversations).
   */
  markRead(messageId: number, groupId?: number): void {
    if (this.current === 'closed') return;
    this.outbox.addRead(this.readConversations.of(messageId, groupId), messageId, encode.read(messageId, groupId));
    this.flushOutbox();
  }

  // ---- sending -------------------------------------------------------------

  private sendMessage(
    content: string,
    clientId: string | undefined,
    encodeWith: (clientId: string, text: string) => string,
  ): Promise<SendAck> {
    if (this.current === 'closed') {
      return Promise.reject(new ParlorClientError('closed', 'the client is closed; call connect() to send again'));
    }
    const text = contentToWrite(content);
    if (text === TOO_LONG) {
      return Promise.reject(new ParlorClientError('too_large', `content must be at most ${MAX_CONTENT_CHARS} characters`));
    }
    // The server names a send in its error by its client_id; one it cannot take (too long) it could not name,
    // and the send would wait for its ack timeout: refused here instead.
    if (clientId !== undefined && (typeof clientId !== 'string' || clientId.length === 0 || !withinCharacters(clientId, MAX_CLIENT_ID_CHARS))) {
      return Promise.reject(new ParlorClientError('bad_request', `clientId must be 1-${MAX_CLIENT_ID_CHARS} characters`));
    }
    const id = clientId ?? this.options.generateClientId();
    const acked = this.outbox.addMessage(id, encodeWith(id, text));
    this.flushOutbox();
    return acked;
  }

  /** Writes what waits in the outbox, in order, as fast as the pacer allows; the rest goes when it allows more. */
  private flushOutbox(): void {
    if (this.current !== 'open' || !this.knowsWhoIsSending()) return;
    // While the replay runs, `read` frames wait: an error the server answers without a client_id then
    // belongs to the replay alone (replayFailed), not to a read that failed.
    this.outbox.flush((frame) => {
      if (this.pacer.take()) return this.write(frame);
      this.flushLater();
      return false;
    }, this.inbox.syncing);
  }

  /**
   * The outbox is the last user's: once the client has had a user, it waits for this socket's `welcome`, which
   * says whether the same user is still signed in (another one may have signed in on the page and called
   * `connect()`; see userChanged). Before any user, what the app queued is for whoever connects first.
   */
  private knowsWhoIsSending(): boolean {
    return this.lastUserId === null || this.welcome !== null;
  }

  private flushLater(): void {
    if (this.flushTimer !== undefined) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flushOutbox();
    }, this.pacer.waitMs());
  }

  /**
   * Frames the server answers without a `client_id` when they fail (typing, broadcast, refresh) wait out the
   * replay of a new connection, as `read` frames do: an `error` without a `client_id` then is the sync's.
   * Ephemeral, they are not queued: false, as when not connected.
   */
  private writeUnlessReplaying(frame: string): boolean {
    return !this.inbox.syncing && this.write(frame);
  }

  /** Write a frame to the open socket; false when there is none or it refused. */
  private write(frame: string): boolean {
    const socket = this.socket;
    if (!socket || this.current !== 'open' || socket.readyState !== ReadyState.OPEN) return false;
    try {
      socket.send(frame);
      return true;
    } catch {
      return false;
    }
  }

  // ---- connection lifecycle -------------------------------------------------

  private openSocket(): void {
    this.reconnector.cancel();
    this.refusal = undefined;
    this.current = 'connecting';
    const attempt = ++this.attempts;
    this.emit('connecting', { attempt: this.reconnector.attempt });
    // A listener closed the client or started another attempt (connect()): that one goes on alone.
    if (attempt !== this.attempts || this.current !== 'connecting' || this.socket) return;
    if (!this.tokens) return this.createSocket(undefined);
    const stillWanted = () => attempt === this.attempts && this.current === 'connecting' && !this.socket;
    // A getToken() that never settles (a fetch on a network that went away) would hold the client in
    // `connecting` for good: past the time limit it counts as a failed attempt, and its late answer is dropped.
    const timeoutMs = this.options.getTokenTimeoutMs;
    clearTimeout(this.tokenTimer);
    this.tokenTimer = setTimeout(() => {
      if (stillWanted()) this.connectionLost(1006, `getToken did not answer within ${timeoutMs} ms`);
    }, timeoutMs);
    this.tokens.fresh().then(
      ({ token }) => {
        if (stillWanted()) this.createSocket(token);
      },
      (err: unknown) => {
        if (stillWanted()) this.connectionLost(1006, `getToken failed: ${err instanceof Error ? err.message : String(err)}`);
      },
    );
  }

  private createSocket(token: string | undefined): void {
    clearTimeout(this.tokenTimer);
    this.tokenTimer = undefined;
    let socket: WebSocketLike;
    try {
      const { url, createSocket } = this.options;
      socket = token === undefined ? createSocket(url) : createSocket(url, token);
    } catch (err) {
      this.connectionLost(1006, err instanceof Error ? err.message : String(err));
      return;
    }
    this.socket = socket;
    this.detachSocket = attachSocket(socket, {
      open: () => this.onOpen(),
      message: (text) => this.onMessage(text),
      error: (event) => {
        this.refusal ??= handshakeError(event);
      },
      close: (code, reason) => this.connectionLost(code, reason),
    });
    if (socket.readyState === ReadyState.OPEN) this.onOpen();
  }

  private onOpen(): void {
    if (this.current !== 'connecting') return;
    const reconnected = this.opened;
    this.opened = true;
    this.syncAnswers = true;
    this.current = 'open';
    this.startSync();
    this.flushOutbox();
    // A refresh not written during the replay is tried again a second later (TokenRefresher), until `refreshed`.
    this.tokens?.start((token) => this.writeUnlessReplaying(encode.refresh(token)));
    this.emit('open', { reconnected });
  }

  /** The socket closed (or could not be created): reconnect, or stop for good when that cannot help. */
  private connectionLost(code: number, reason: string): void {
    this.dropSocket();
    // An expired token is not a sign-out when the app can get a new one: reconnect with it.
    const tokenExpired = this.tokens !== undefined && code === CloseCode.logged_out && reason === LoggedOutReason.token_expired;
    const error = tokenExpired ? undefined : (terminalCloseError(code, reason) ?? this.refusal);
    if (error) return this.stop(code, reason, error);
    const plan = this.reconnector.plan();
    if (!plan) {
      const tries = this.reconnector.attempt;
      return this.stop(code, reason, new ParlorClientError('retries_exhausted', `gave up after ${tries} reconnection attempts`, code));
    }
    const event = { ...plan, code, reason };
    this.current = 'reconnecting';
    this.emit('reconnecting', event);
    if (this.current !== 'reconnecting' || this.reconnector.scheduled) return;
    this.reconnector.schedule(
      plan.delayMs,
      (waitingFor) => this.emit('reconnecting', { ...event, waitingFor }),
      () => this.openSocket(),
    );
  }

  /** Stop for good: close the socket if any, reject waiting sends, emit `closed`. */
  private stop(code: number, reason: string, error?: ParlorClientError): void {
    this.abandonSocket(reason);
    this.reconnector.cancel();
    this.current = 'closed';
    this.outbox.rejectAll(error ?? new ParlorClientError('closed', 'the client was closed before the server acknowledged'));
    this.emit('closed', error ? { code, reason, error } : { code, reason });
  }

  /** Forget the socket (its events are no longer heard) and close it with 1000 if it is open or opening. */
  private abandonSocket(reason: string): void {
    const socket = this.socket;
    this.dropSocket();
    if (socket && socket.readyState <= ReadyState.OPEN) {
      try {
        socket.close(1000, closeReason(reason));
      } catch {
        // Already closing: nothing more to do.
      }
    }
  }

  private dropSocket(): void {
    this.detachSocket?.();
    this.detachSocket = null;
    this.socket = null;
    this.tokens?.stop();
    clearTimeout(this.tokenTimer);
    this.tokenTimer = undefined;
    this.welcome = null;
    clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    clearTimeout(this.syncRetryTimer);
    this.syncRetryTimer = undefined;
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.inbox.abortSync();
    this.outbox.disconnected();
  }

  private nextWelcome(): Promise<ServerFrame<'welcome'>> {
    return new Promise((resolve, reject) => {
      const offWelcome = this.once('welcome', (frame) => {
        offClosed();
        resolve(frame);
      });
      const offClosed = this.once('closed', (event) => {
        offWelcome();
        reject(event.error ?? new ParlorClientError('closed', 'the client was closed before the server said welcome'));
      });
    });
  }

  // ---- incoming frames ------------------------------------------------------

  private onMessage(text: string): void {
    const frame = parseServerFrame(text);
    if (!frame) return;
    switch (frame.type) {
      case 'private':
      case 'group':
        if (!isMessageFrame(frame)) return;
        this.deliver(this.inbox.receive(frame));
        // Only the replay keeps the wait going: live traffic would hold everything back for good
        // from a server that never answers the sync (sync disabled there).
        if (this.inbox.syncing && frame.replayed === true) this.armSyncTimer();
        else this.syncIfInboxIsFull();
        return;
      case 'synced':
        return this.finishSync(frame);
      case 'refreshed':
        this.tokens?.refreshed(frame.expires_at);
        break;
      case 'welcome':
        if (this.lastUserId !== null && frame.user_id !== this.lastUserId) return this.userChanged(frame.user_id);
        this.lastUserId = frame.user_id;
        this.welcome = frame;
        this.flushOutbox(); // held since the open (knowsWhoIsSending)
        break;
      case 'ack':
        this.onAck(frame);
        break;
      case 'error': {
        // The app hears the error before what it leads to (a reconnect, `closed`); a listener that closed
        // the client or lost this socket meanwhile has the last word.
        const socket = this.socket;
        this.emit('error', frame);
        if (this.socket === socket && this.current !== 'closed') this.onError(frame);
        return;
      }
    }
    this.emit(frame.type, frame as never);
  }

  private onAck(frame: ServerFrame<'ack'>): void {
    if (typeof frame.client_id !== 'string' || typeof frame.id !== 'number') return;
    this.inbox.markKnown(frame.id);
    this.outbox.acknowledge({ id: frame.id, timestamp: frame.timestamp, client_id: frame.client_id });
    // A client that mostly sends fills the inbox with its own acked ids: they too must leave by a sync, not by
    // being dropped, or a later replay would hand them back to the app as new.
    this.syncIfInboxIsFull();
  }

  /**
   * Many ids above lastSeenId (delivered, or my own acked): a sync lets the inbox forget them (and brings anything
   * missed live), unless this server did not answer the last one (sync disabled there): then the inbox drops its oldest.
   */
  private syncIfInboxIsFull(): void {
    if (this.inbox.wantsSync && this.current === 'open' && this.syncAnswers) this.startSync();
  }

  private onError(frame: ServerFrame<'error'>): void {
    if (typeof frame.client_id === 'string') {
      // Dropped unread by the server's frame limit: slow down and write it again, same client_id (for ackTimeoutMs at most).
      if (frame.code === 'rate_limited' && this.outbox.requeue(frame.client_id)) {
        this.pacer.slowDown();
        this.flushLater();
        return;
      }
      this.outbox.fail(frame.client_id, new ParlorClientError(frame.code as ParlorClientErrorCode, frame.message));
      return;
    }
    // During the replay only the sync itself is written without a client_id (writeUnlessReplaying): such an error is its.
    if (!this.inbox.syncing) return;
    if (frame.code === 'internal' || frame.code === 'unavailable') this.replayFailed(frame.message);
    else if (frame.code === 'rate_limited') this.syncAgainSoon();
    // `sync is not enabled` (a host persister without messagesSince): as a sync never answered, but at once.
    else if (frame.code === 'bad_request') this.finishSync(undefined);
  }

  /**
   * The server did not take the sync (`rate_limited`: the user's sync budget, or the frame limit): write it again
   * after a pause, holding what is held. The replay's deadline (syncTimeoutMs) is not moved: a server that keeps
   * refusing is treated as one that never answers.
   */
  private syncAgainSoon(): void {
    if (this.syncRetryTimer !== undefined) return;
    this.pacer.slowDown();
    this.syncRetryTimer = setTimeout(() => {
      this.syncRetryTimer = undefined;
      if (this.current === 'open' && this.inbox.syncing) this.write(encode.sync(this.inbox.lastSeenId));
    }, SYNC_RETRY_MS);
  }

  /**
   * The app signed another user in and called `connect()` on this client:
   * the inbox's position and held messages are the last user's. The replay
   * this socket asked for starts from that position (it would miss the new
   * user's older messages) and held messages would reach the new user's app:
   * start over on a new socket, with a new inbox from 0. Not from the `since`
   * option: that was the first user's position (what the app stored for
   * them), and would drop the new user's messages below it. The outbox is
   * the last user's too (held until this welcome): its sends are rejected
   * (`user_changed`) and its read marks dropped, never written as the new user.
   */
  private userChanged(userId: number): void {
    const socket = this.socket;
    this.lastUserId = userId;
    this.inbox = new Inbox(0, this.options.dedupWindow);
    this.readConversations = new ReadConversations(this.options.dedupWindow);
    this.outbox.rejectAll(
      new ParlorClientError('user_changed', `another user (${userId}) signed in before the server acknowledged; not sent as them`),
    );
    this.connectionLost(4000, 'another user signed in: starting over');
    try {
      socket?.close(1000, 'user changed');
    } catch {
      // Already closing: nothing more to do.
    }
  }

  /**
   * The server could not finish the replay (its store failed): no `synced`
   * will come. Waiting for the sync timer would deliver the held live
   * messages and move `lastSeenId` past the ones the replay never reached, so
   * the client reconnects instead (with the usual backoff) and syncs again
   * from the last replayed id.
   */
  private replayFailed(message: string): void {
    const socket = this.socket;
    this.connectionLost(1011, `the server could not replay missed messages (${message})`);
    try {
      socket?.close(1000, 'sync failed');
    } catch {
      // Already closing: nothing more to do.
    }
  }

  /** Ask for everything after `lastSeenId`; live messages are held back until the replay reaches them. */
  private startSync(): void {
    this.inbox.beginSync();
    this.write(encode.sync(this.inbox.lastSeenId));
    this.armSyncTimer();
  }

  /** Deliver the held messages in id order, then `synced`. */
  private finishSync(frame: ServerFrame<'synced'> | undefined): void {
    clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    this.syncAnswers = frame !== undefined;
    // A connection counts as good once its replay is over, not at its open: a server that accepts and
    // closes at once (draining with 1001, 1013, a replay failing every time) gets the growing backoff.
    this.reconnector.reset();
    const socket = this.socket;
    if (!this.deliver(this.inbox.endSync())) return;
    this.flushOutbox(); // the reads held back during the replay
    if (!frame) return;
    this.inbox.syncedThrough(frame.last_id);
    if (this.socket === socket) this.emit('synced', frame);
  }

  /**
   * The sync timer runs while messages are held and restarts with each
   * replayed one: a server that never answers `synced` (sync disabled)
   * delays delivery by `syncTimeoutMs` however busy the live traffic, and a
   * long replay that keeps arriving never times out.
   */
  private armSyncTimer(): void {
    clearTimeout(this.syncTimer);
    this.syncTimer = setTimeout(() => this.finishSync(undefined), this.options.syncTimeoutMs);
  }

  /**
   * Emit messages, stopping if a listener closed the client or the socket
   * changed: the ones not emitted go back to the inbox, held for the next
   * connection. False when it stopped.
   */
  private deliver(frames: MessageFrame[]): boolean {
    const socket = this.socket;
    for (let i = 0; i < frames.length; i++) {
      if (this.socket !== socket) {
        this.inbox.holdAgain(frames.slice(i));
        return false;
      }
      const frame = frames[i]!;
      this.inbox.delivered(frame.id, frame.replayed === true);
      this.readConversations.delivered(frame);
      if (frame.type === 'private') this.emit('private', frame);
      else this.emit('group', frame);
    }
    return true;
  }
}

/** A close reason as a socket takes it: at most 123 bytes of UTF-8 (browsers and `ws` throw past that, and the socket would stay open). */
function closeReason(reason: string): string {
  const encoder = new TextEncoder();
  if (encoder.encode(reason).length <= 123) return reason;
  let cut = '';
  for (const ch of reason) {
    if (encoder.encode(cut + ch).length > 123) break;
    cut += ch;
  }
  return cut;
}
