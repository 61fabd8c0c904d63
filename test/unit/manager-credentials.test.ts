/**
 * Contract section 5 on one Manager, over mocks: disconnect orders (local
 * close with 4401, then handed to the broker), token deadlines and the
 * `refresh` frame, and the batched session re-check. Durations are tiny
 * option values, never fake timers.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InProcessBroker, type Broker } from '../../src/websocket/broker.js';
import type { DisconnectOrder } from '../../src/websocket/disconnect-order.js';
import type { Identity, SessionResolver, TokenInUse } from '../../src/websocket/session-resolver.js';
import { createHarness, framesOf, nextFrame, settle, type Harness } from '../support/mocks.js';

let h: Harness;
afterEach(() => h?.stop());

/** An in-process broker that also records the disconnect orders handed to it, and lets a test play another instance. */
class RecordingBroker extends InProcessBroker implements Broker {
  readonly published: DisconnectOrder[] = [];
  private handler: (order: DisconnectOrder) => void = () => {};

  publishDisconnect(order: DisconnectOrder): void {
    this.published.push(order);
  }

  setDisconnectHandler(handler: (order: DisconnectOrder) => void): void {
    this.handler = handler;
  }

  fromElsewhere(order: DisconnectOrder): void {
    this.handler(order);
  }
}
const recordingBroker = () => new RecordingBroker();

describe('Manager.disconnect(): one order, every matching socket, 4401', () => {
  it('closes every socket of a user, and only those; the order goes to the broker for the other instances', async () => {
    const broker = recordingBroker();
    h = createHarness({ broker });
    const mine = [h.connect(1, { sessionId: 'a' }), h.connect(1, { via: 'token' })];
    const other = h.connect(2, { sessionId: 'b' });
    expect(h.manager.disconnect({ userId: 1 })).toBe(2);
    for (const s of mine) expect([s.closeCode, s.closeReason]).toEqual([4401, 'signed out by the server']);
    expect(other.closeCode).toBeUndefined();
    expect(broker.published).toEqual([{ userId: 1 }]);
    await settle();
    expect(h.manager.isOnline(1)).toBe(false);
  });

  it('closes only the token sockets of the user for a revocation; cookie sockets stay', () => {
    const broker = recordingBroker();
    h = createHarness({ broker });
    const cookie = h.connect(1, { sessionId: 'a' });
    const token = h.connect(1, { via: 'token' });
    const otherToken = h.connect(2, { via: 'token' });
    expect(h.manager.disconnect({ userId: 1, via: 'token' })).toBe(1);
    expect([token.closeCode, token.closeReason]).toEqual([4401, 'tokens revoked']);
    expect(cookie.closeCode).toBeUndefined();
    expect(otherToken.closeCode).toBeUndefined();
  });

  it('closeSession (logout) is a session order: published too', () => {
    const broker = recordingBroker();
    h = createHarness({ broker });
    const s = h.connect(1, { sessionId: 'sess-1' });
    expect(h.manager.closeSession('sess-1')).toBe(1);
    expect(s.closeCode).toBe(4401);
    expect(broker.published).toEqual([{ sessionId: 'sess-1' }]);
  });

  it('acts on an order from another instance without publishing it again', () => {
    const broker = recordingBroker();
    h = createHarness({ broker });
    const s = h.connect(1, { sessionId: 'sess-1' });
    const t = h.connect(3, { via: 'token' });
    broker.fromElsewhere({ sessionId: 'sess-1' });
    broker.fromElsewhere({ userId: 3, via: 'token' });
    expect(s.closeCode).toBe(4401);
    expect(t.closeCode).toBe(4401);
    expect(broker.published).toEqual([]);
  });
});

describe('token deadlines', () => {
  it('closes a socket with 4401 at its expiresAt, not before; a socket without one stays', async () => {
    h = createHarness();
    const expiresAt = Date.now() + 80;
    const token = h.connect(1, { via: 'token', expiresAt });
    const cookie = h.connect(2);
    await settle();
    expect(token.closeCode).toBeUndefined();
    await vi.waitFor(() => expect(token.closeCode).toBe(4401), { timeout: 1000, interval: 5 });
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
    expect(token.closeReason).toBe('token expired');
    expect(cookie.closeCode).toBeUndefined();
  });

  it('closes at once a socket whose credential has already expired', () => {
    h = createHarness();
    const late = h.connect(1, { via: 'token', expiresAt: Date.now() - 1 });
    expect(late.closeCode).toBe(4401);
  });

  it('forgets the deadline of a socket that closed by itself', async () => {
    h = createHarness();
    const s = h.connect(1, { via: 'token', expiresAt: Date.now() + 60_000 });
    s.peerClose(1000);
    await settle();
    expect((h.manager as unknown as { deadlines: { size: number } }).deadlines.size).toBe(0);
  });
});

describe('the refresh frame', () => {
  const tokens: Record<string, Identity | null> = {};
  const verifyToken = vi.fn(async (token: string) => tokens[token] ?? null);

  it('moves the deadline with a newer token of the same user, answered `refreshed {expires_at}`', async () => {
    h = createHarness({ options: { verifyToken } });
    const later = Date.now() + 400;
    tokens.newer = { userId: 1, via: 'token', expiresAt: later };
    const s = h.connect(1, { via: 'token', expiresAt: Date.now() + 100 });
    s.receive({ type: 'refresh', token: 'newer' });
    expect(await nextFrame(s, 'refreshed')).toEqual({ type: 'refreshed', expires_at: later });
    expect(verifyToken).toHaveBeenCalledWith('newer');
    await new Promise((r) => setTimeout(r, 200)); // past the first deadline
    expect(s.closeCode).toBeUndefined();
    await vi.waitFor(() => expect(s.closeCode).toBe(4401), { timeout: 1000, interval: 5 });
    expect(Date.now()).toBeGreaterThanOrEqual(later);
  });

  it("refuses another user's token (forbidden) and an invalid one (bad_request); the deadline stands", async () => {
    h = createHarness({ options: { verifyToken } });
    tokens.bobs = { userId: 2, via: 'token', expiresAt: Date.now() + 60_000 };
    const expiresAt = Date.now() + 150;
    const s = h.connect(1, { via: 'token', expiresAt });
    s.receive({ type: 'refresh', token: 'bobs' });
    expect(await nextFrame(s, 'error')).toMatchObject({ code: 'forbidden' });
    s.receive({ type: 'refresh', token: 'garbage' });
    expect(await nextFrame(s, 'error')).toMatchObject({ code: 'bad_request' });
    await vi.waitFor(() => expect(s.closeCode).toBe(4401), { timeout: 1000, interval: 5 });
    expect(framesOf(s, 'refreshed')).toEqual([]);
  });

  it('is refused on a cookie socket and without a token verifier (bad_request); a token over 4096 characters is too_large', async () => {
    h = createHarness({ options: { verifyToken } });
    tokens.alices = { userId: 1, via: 'token', expiresAt: Date.now() + 60_000 };
    const cookie = h.connect(1);
    cookie.receive({ type: 'refresh', token: 'alices' });
    expect(await nextFrame(cookie, 'error')).toMatchObject({ code: 'bad_request' });
    const token = h.connect(1, { via: 'token', expiresAt: Date.now() + 60_000 });
    token.receive({ type: 'refresh', token: 'x'.repeat(4097) });
    expect(await nextFrame(token, 'error')).toMatchObject({ code: 'too_large' });
    verifyToken.mockClear();
    await h.stop();

    h = createHarness();
    const s = h.connect(1, { via: 'token', expiresAt: Date.now() + 60_000 });
    s.receive({ type: 'refresh', token: 'alices' });
    expect(await nextFrame(s, 'error')).toMatchObject({ code: 'bad_request' });
    expect(verifyToken).not.toHaveBeenCalled();
  });
});

describe('the session re-check', () => {
  function resolverWith(stillValid: NonNullable<SessionResolver['stillValid']>) {
    return { resolve: vi.fn(() => null), stillValid: vi.fn(stillValid) };
  }

  it('asks once for every distinct session id of its cookie sockets, and closes the sockets of the missing ones', async () => {
    const resolver = resolverWith((ids) => ids.filter((id) => id !== 'gone'));
    h = createHarness({ sessionResolver: resolver });
    const gone = [h.connect(1, { sessionId: 'gone' }), h.connect(1, { sessionId: 'gone' })];
    const kept = h.connect(2, { sessionId: 'kept' });
    const token = h.connect(3, { via: 'token' });
    expect(await h.manager.recheckSessions()).toBe(2);
    expect(resolver.stillValid).toHaveBeenCalledTimes(1);
    expect([...resolver.stillValid.mock.calls[0]![0]].sort()).toEqual(['gone', 'kept']);
    for (const s of gone) expect([s.closeCode, s.closeReason]).toEqual([4401, 'session ended']);
    expect(kept.closeCode).toBeUndefined();
    expect(token.closeCode).toBeUndefined();
  });

  it('runs by itself every sessionRecheckMs', async () => {
    const live = new Set(['a']);
    const resolver = resolverWith((ids) => ids.filter((id) => live.has(id)));
    h = createHarness({ sessionResolver: resolver, options: { sessionRecheckMs: 20 } });
    const s = h.connect(1, { sessionId: 'a' });
    await vi.waitFor(() => expect(resolver.stillValid).toHaveBeenCalled(), { timeout: 1000, interval: 5 });
    expect(s.closeCode).toBeUndefined();
    live.delete('a');
    await vi.waitFor(() => expect(s.closeCode).toBe(4401), { timeout: 1000, interval: 5 });
  });

  it('keeps every socket open when the store cannot answer (an outage is not a logout), and asks nothing without cookie sockets', async () => {
    const resolver = resolverWith(() => Promise.reject(new Error('store down')));
    h = createHarness({ sessionResolver: resolver });
    expect(await h.manager.recheckSessions()).toBe(0);
    expect(resolver.stillValid).not.toHaveBeenCalled();
    const s = h.connect(1, { sessionId: 'a' });
    expect(await h.manager.recheckSessions()).toBe(0);
    expect(s.closeCode).toBeUndefined();
  });

  it('joins a check already running instead of asking twice', async () => {
    let answer: (ids: string[]) => void = () => {};
    const resolver = resolverWith(() => new Promise<string[]>((r) => (answer = r)));
    h = createHarness({ sessionResolver: resolver });
    const s = h.connect(1, { sessionId: 'a' });
    const first = h.manager.recheckSessions();
    const second = h.manager.recheckSessions();
    answer([]);
    expect(await Promise.all([first, second])).toEqual([1, 1]);
    expect(resolver.stillValid).toHaveBeenCalledTimes(1);
    expect(s.closeCode).toBe(4401);
  });
});

describe('the token re-check', () => {
  /** Token versions as a store would hold them: user id -> current version. */
  function tokensAt(current: Map<number, number>) {
    return vi.fn((tokens: readonly TokenInUse[]) => tokens.map((t) => (current.get(t.userId) ?? 0) === t.version));
  }

  it("asks once for every token socket, and closes with 4401 the sockets whose user's version moved on; cookie sockets are not asked", async () => {
    const current = new Map([[1, 2], [2, 0]]);
    const tokensStillCurrent = tokensAt(current);
    h = createHarness({ options: { tokensStillCurrent } });
    const revoked = h.connect(1, { via: 'token', tokenVersion: 1 });
    const fresh = h.connect(1, { via: 'token', tokenVersion: 2 });
    const other = h.connect(2, { via: 'token', tokenVersion: 0 });
    const cookie = h.connect(1, { sessionId: 's' });
    expect(await h.manager.recheckSessions()).toBe(1);
    expect(tokensStillCurrent).toHaveBeenCalledTimes(1);
    expect(tokensStillCurrent.mock.calls[0]![0]).toEqual([
      { userId: 1, version: 1 },
      { userId: 1, version: 2 },
      { userId: 2, version: 0 },
    ]);
    expect([revoked.closeCode, revoked.closeReason]).toEqual([4401, 'tokens revoked']);
    expect([fresh.closeCode, other.closeCode, cookie.closeCode]).toEqual([undefined, undefined, undefined]);
  });

  it('runs by itself every sessionRecheckMs, without any session resolver stillValid', async () => {
    const current = new Map([[1, 0]]);
    h = createHarness({ options: { sessionRecheckMs: 20, tokensStillCurrent: tokensAt(current) } });
    const s = h.connect(1, { via: 'token', tokenVersion: 0 });
    await new Promise((r) => setTimeout(r, 60));
    expect(s.closeCode).toBeUndefined();
    current.set(1, 1);
    await vi.waitFor(() => expect(s.closeCode).toBe(4401), { timeout: 1000, interval: 5 });
  });

  it('keeps token sockets open when the store cannot answer', async () => {
    h = createHarness({ options: { tokensStillCurrent: () => Promise.reject(new Error('store down')) } });
    const s = h.connect(1, { via: 'token', tokenVersion: 0 });
    expect(await h.manager.recheckSessions()).toBe(0);
    expect(s.closeCode).toBeUndefined();
  });

  it('judges a socket by its latest refresh: a newer token keeps it open, and an answer about the token it had before the refresh does not close it', async () => {
    const current = new Map([[1, 1]]);
    let answer: (current: boolean[]) => void = () => {};
    const verifyToken = vi.fn(async () => ({ userId: 1, via: 'token' as const, expiresAt: Date.now() + 60_000, tokenVersion: 1 }));
    const tokensStillCurrent = vi.fn((tokens: readonly TokenInUse[]) =>
      tokens[0]!.version === 0 ? new Promise<boolean[]>((r) => (answer = r)) : tokens.map((t) => current.get(t.userId) === t.version),
    );
    h = createHarness({ options: { tokensStillCurrent, verifyToken } });
    const s = h.connect(1, { via: 'token', tokenVersion: 0, expiresAt: Date.now() + 60_000 });
    const check = h.manager.recheckSessions();
    // The revocation (version 0 -> 1) is under way; the client refreshes with a token of version 1 meanwhile.
    s.receive({ type: 'refresh', token: 'newer' });
    expect(await nextFrame(s, 'refreshed')).toMatchObject({ type: 'refreshed' });
    answer([false]);
    expect(await check).toBe(0);
    expect(s.closeCode).toBeUndefined();
    expect(await h.manager.recheckSessions()).toBe(0);
    expect(tokensStillCurrent.mock.calls[1]![0]).toEqual([{ userId: 1, version: 1 }]);
    expect(s.closeCode).toBeUndefined();
  });
});
