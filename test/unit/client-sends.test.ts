import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { generateClientId, ParlorClientError, type SendAck } from '../../src/client/index.js';
import { MAX_CONTENT_CHARS, MIN_FRAME_BYTES } from '../../src/wire-limits.js';
import { connectAndSync, createClient, flushPromises, privateMessage } from './client-support.js';

/** The server's default frame limit (MAX_FRAME_BYTES, src/config.ts; contract section 1). */
const DEFAULT_MAX_FRAME_BYTES = 65_536;

/** Observe a promise's outcome without letting a rejection go unhandled. */
function settle<T>(p: Promise<T>) {
  const state: { value?: T; error?: unknown; done: boolean } = { done: false };
  p.then(
    (value) => Object.assign(state, { value, done: true }),
    (error: unknown) => Object.assign(state, { error, done: true }),
  );
  return state;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('ParlorClient sends', () => {
  it('writes private and group frames with a generated client_id', () => {
    const h = createClient();
    const socket = connectAndSync(h);
    void h.client.sendPrivate(2, 'hello');
    void h.client.sendGroup(7, 'hi all');
    expect(socket.frames().slice(1)).toEqual([
      { type: 'private', to: 2, content: 'hello', client_id: 'c1' },
      { type: 'group', group_id: 7, content: 'hi all', client_id: 'c2' },
    ]);
  });

  it('resolves the promise whose client_id the ack names, and only that one', async () => {
    const h = createClient();
    const socket = connectAndSync(h);
    const first = settle(h.client.sendPrivate(2, 'one'));
    const second = settle(h.client.sendGroup(7, 'two'));
    socket.push({ type: 'ack', client_id: 'c2', id: 41, timestamp: 5000 });
    await flushPromises();
    expect(second).toEqual({ done: true, value: { id: 41, timestamp: 5000, client_id: 'c2' } satisfies SendAck });
    expect(first.done).toBe(false);
    expect(h.client.pending).toBe(1);
    socket.push({ type: 'ack', client_id: 'c1', id: 42, timestamp: 5001 });
    await flushPromises();
    expect(first.value).toEqual({ id: 42, timestamp: 5001, client_id: 'c1' });
    expect(h.client.pending).toBe(0);
  });

  it('rejects with the code of an error frame carrying the same client_id, and still emits the error event', async () => {
    const h = createClient();
    const socket = connectAndSync(h);
    const mine = settle(h.client.sendGroup(7, 'x'));
    const other = settle(h.client.sendGroup(8, 'y'));
    socket.push({ type: 'error', code: 'forbidden', message: 'not a member', client_id: 'c1' });
    await flushPromises();
    expect(mine.error).toBeInstanceOf(ParlorClientError);
    expect(mine.error).toMatchObject({ code: 'forbidden', message: 'not a member' });
    expect(other.done).toBe(false);
    expect(h.events.filter(([n]) => n === 'error').map(([, p]) => p)).toEqual([
      { type: 'error', code: 'forbidden', message: 'not a member', client_id: 'c1' },
    ]);
  });

  it('rejects with timeout exactly ackTimeoutMs after the frame was written', async () => {
    const h = createClient({ ackTimeoutMs: 2000 });
    connectAndSync(h);
    const sent = settle(h.client.sendPrivate(2, 'slow'));
    await vi.advanceTimersByTimeAsync(1999);
    expect(sent.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent.error).toBeInstanceOf(ParlorClientError);
    expect((sent.error as ParlorClientError).code).toBe('timeout');
    expect(h.client.pending).toBe(0);
  });

  it('ignores an ack that arrives after the timeout', async () => {
    const h = createClient({ ackTimeoutMs: 100 });
    const socket = connectAndSync(h);
    const sent = settle(h.client.sendPrivate(2, 'late'));
    await vi.advanceTimersByTimeAsync(100);
    socket.push({ type: 'ack', client_id: 'c1', id: 9, timestamp: 1 });
    await flushPromises();
    expect((sent.error as ParlorClientError).code).toBe('timeout');
    expect(sent.value).toBeUndefined();
  });

  it('gives a send queued while disconnected no deadline until it is written', async () => {
    const h = createClient({ ackTimeoutMs: 1000 });
    const queued = settle(h.client.sendPrivate(2, 'offline'));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(queued.done).toBe(false);
    const socket = connectAndSync(h);
    expect(socket.frames()).toContainEqual({ type: 'private', to: 2, content: 'offline', client_id: 'c1' });
    await vi.advanceTimersByTimeAsync(1000);
    expect((queued.error as ParlorClientError).code).toBe('timeout');
  });

  it('uses a caller-supplied clientId, and returns the same promise for a clientId already waiting', () => {
    const h = createClient();
    const socket = connectAndSync(h);
    const a = h.client.sendPrivate(2, 'retry me', { clientId: 'draft-17' });
    const b = h.client.sendPrivate(2, 'retry me', { clientId: 'draft-17' });
    expect(b).toBe(a);
    expect(socket.frames().filter((f) => f.type === 'private')).toEqual([
      { type: 'private', to: 2, content: 'retry me', client_id: 'draft-17' },
    ]);
  });

  it('rejects waiting sends with closed on close(), and sends after close() at once', async () => {
    const h = createClient();
    connectAndSync(h);
    const waiting = settle(h.client.sendPrivate(2, 'pending'));
    h.client.close();
    await flushPromises();
    expect((waiting.error as ParlorClientError).code).toBe('closed');
    const after = settle(h.client.sendPrivate(2, 'too late'));
    await flushPromises();
    expect((after.error as ParlorClientError).code).toBe('closed');
  });

  it('writes typing and broadcast only while open, and says whether it did', () => {
    const h = createClient();
    expect(h.client.typing({ to: 2 })).toBe(false);
    expect(h.client.broadcast('announcement')).toBe(false);
    const socket = connectAndSync(h);
    expect(h.client.typing({ to: 2 })).toBe(true);
    expect(h.client.typing({ group_id: 7 }, false)).toBe(true);
    expect(h.client.broadcast('announcement')).toBe(true);
    expect(socket.frames().slice(1)).toEqual([
      { type: 'typing', to: 2, is_typing: true },
      { type: 'typing', group_id: 7, is_typing: false },
      { type: 'broadcast', content: 'announcement' },
    ]);
  });

  it('writes read frames at once when open and queues them once when not', () => {
    const h = createClient();
    h.client.markRead(10);
    const socket = connectAndSync(h);
    h.client.markRead(11, 7);
    expect(socket.frames()).toEqual([
      { type: 'sync', since: 0 },
      { type: 'read', message_id: 10 },
      { type: 'read', message_id: 11, group_id: 7 },
    ]);
    socket.drop(1006);
    vi.runOnlyPendingTimers();
    h.net.last.accept();
    expect(h.net.last.frames()).toEqual([{ type: 'sync', since: 0 }]);
  });

  it('keeps one queued read per conversation: a newer mark replaces a queued one, never a mark of a later message', () => {
    const h = createClient();
    const socket = connectAndSync(h);
    socket.push(privateMessage(1, { from: 2 }));
    socket.push(privateMessage(2, { from: 3 }));
    socket.push(privateMessage(3, { from: 2 }));
    socket.drop(1006); // marks made now wait for the next connection
    h.client.markRead(1);
    h.client.markRead(2);
    h.client.markRead(3); // from user 2, like 1: replaces it
    h.client.markRead(20, 7);
    h.client.markRead(21, 7); // group 7: replaces 20
    h.client.markRead(19, 7); // an earlier message of group 7: 21 already covers it
    h.client.markRead(30, 8);
    h.client.markRead(99); // a message the client never handed over (loaded over HTTP): a conversation of its own
    vi.runOnlyPendingTimers();
    const next = h.net.last;
    next.accept();
    next.push({ type: 'welcome', user_id: 1, timestamp: 1 });
    next.push({ type: 'synced', last_id: 3 });
    expect(next.frames().filter((f) => f.type === 'read')).toEqual([
      { type: 'read', message_id: 2 },
      { type: 'read', message_id: 3 },
      { type: 'read', message_id: 21, group_id: 7 },
      { type: 'read', message_id: 30, group_id: 8 },
      { type: 'read', message_id: 99 },
    ]);
  });

  it('writes queued messages before queued reads: a reply made after a catch-up is not held behind its marks', () => {
    const h = createClient({ sendRate: 1, sendBurst: 1 });
    const socket = connectAndSync(h);
    h.client.markRead(10, 7); // takes the pacer's one frame
    h.client.markRead(11, 8);
    h.client.markRead(12, 9);
    void h.client.sendPrivate(2, 'reply').catch(() => {});
    expect(socket.frames().map((f) => f.type)).toEqual(['sync', 'read']);
    vi.advanceTimersByTime(1000);
    expect(socket.frames().map((f) => f.type)).toEqual(['sync', 'read', 'private']); // the reply first
    vi.advanceTimersByTime(2000);
    expect(socket.frames().map((f) => f.type)).toEqual(['sync', 'read', 'private', 'read', 'read']);
  });
});

describe('client ids', () => {
  const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  it('are UUIDv7 by default', () => {
    const h = createClient({ generateClientId: undefined });
    const socket = connectAndSync(h);
    void h.client.sendPrivate(2, 'x');
    expect(socket.frames()[1]!.client_id).toMatch(UUID_V7);
  });

  it('start with the time in milliseconds, so later ids sort after earlier ones', () => {
    const t = Date.UTC(2026, 11, 4, 17, 0, 0, 123);
    const id = generateClientId(undefined, () => t);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(t);
    const ids = [t, t + 1, t + 1000, t + 86_400_000].map((ms) => generateClientId(undefined, () => ms));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(Array.from({ length: 1000 }, () => generateClientId(undefined, () => t))).size).toBe(1000);
  });

  it('take their random bits from getRandomValues, then Math.random where Web Crypto is missing', () => {
    const t = 0x0123456789ab;
    const getRandomValues = <T extends Uint8Array>(a: T): T => {
      a.fill(0xff);
      return a;
    };
    expect(generateClientId({ getRandomValues }, () => t)).toBe('01234567-89ab-7fff-bfff-ffffffffffff');
    const spy = vi.spyOn(Math, 'random').mockReturnValue(0);
    try {
      expect(generateClientId({}, () => t)).toBe('01234567-89ab-7000-8000-000000000000');
    } finally {
      spy.mockRestore();
    }
  });

  it('refuses a clientId the server could not name in its error (over 64 characters, or empty) at once, as bad_request', async () => {
    const h = createClient();
    connectAndSync(h);
    await expect(h.client.sendPrivate(2, 'x', { clientId: 'a'.repeat(65) })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(h.client.sendGroup(7, 'x', { clientId: '' })).rejects.toMatchObject({ code: 'bad_request' });
    expect(h.client.pending).toBe(0);
    await expect(Promise.race([h.client.sendPrivate(2, 'x', { clientId: 'a'.repeat(64) }), Promise.resolve('waiting')])).resolves.toBe('waiting');
    // Characters, as the server counts them: 64 emoji are 64, though 128 UTF-16 units.
    await expect(Promise.race([h.client.sendPrivate(2, 'x', { clientId: '\u{1F600}'.repeat(64) }), Promise.resolve('waiting')])).resolves.toBe('waiting');
    await expect(h.client.sendPrivate(2, 'x', { clientId: '\u{1F600}'.repeat(65) })).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('refuses content over MAX_CONTENT_CHARS (characters of the trimmed text, as the server counts) at once, as too_large, never written', async () => {
    const h = createClient();
    const socket = connectAndSync(h);
    await expect(h.client.sendPrivate(2, 'x'.repeat(MAX_CONTENT_CHARS + 1))).rejects.toMatchObject({ code: 'too_large' });
    await expect(h.client.sendGroup(7, '\u{1F600}'.repeat(MAX_CONTENT_CHARS + 1))).rejects.toMatchObject({ code: 'too_large' });
    expect(h.client.pending).toBe(0);
    expect(socket.frames().filter((f) => f.type === 'private' || f.type === 'group')).toEqual([]);
    // At the limit: 4000 emoji (8000 UTF-16 units) with spaces around them, which the server trims.
    void h.client.sendGroup(7, ` ${'\u{1F600}'.repeat(MAX_CONTENT_CHARS)} `).catch(() => {});
    expect(h.client.pending).toBe(1);
    expect(socket.frames().at(-1)).toMatchObject({ type: 'group', group_id: 7 });
  });

  it('writes the content trimmed, as the server stores it: whitespace around a short text never takes the frame past the frame limit', () => {
    const h = createClient();
    const socket = connectAndSync(h);
    void h.client.sendPrivate(2, `hi${'\n'.repeat(70_000)}`).catch(() => {});
    void h.client.sendGroup(7, `  ${'\u{1F600}'.repeat(MAX_CONTENT_CHARS)}\t`).catch(() => {});
    const [priv, group] = socket.sent.slice(-2);
    expect(JSON.parse(priv!)).toMatchObject({ type: 'private', to: 2, content: 'hi' });
    expect(JSON.parse(group!)).toMatchObject({ type: 'group', group_id: 7, content: '\u{1F600}'.repeat(MAX_CONTENT_CHARS) });
  });

  it('refuses a broadcast over MAX_CONTENT_CHARS as the other sends do (false, never written), and writes one within it trimmed', () => {
    const h = createClient();
    const socket = connectAndSync(h);
    const before = socket.sent.length;
    expect(h.client.broadcast('x'.repeat(70_000))).toBe(false);
    expect(h.client.broadcast(`\n${'\u{1F600}'.repeat(MAX_CONTENT_CHARS + 1)}\n`)).toBe(false);
    expect(socket.sent.length).toBe(before);
    expect(h.client.broadcast(`hi${'\n'.repeat(70_000)}`)).toBe(true);
    expect(h.client.broadcast(` ${'\u{1F600}'.repeat(MAX_CONTENT_CHARS)} `)).toBe(true);
    expect(socket.frames().slice(-2)).toEqual([
      { type: 'broadcast', content: 'hi' },
      { type: 'broadcast', content: '\u{1F600}'.repeat(MAX_CONTENT_CHARS) },
    ]);
  });

  it('never writes a message frame over MIN_FRAME_BYTES, the least MAX_FRAME_BYTES a server takes: content within MAX_CONTENT_CHARS, as JSON escapes at worst', () => {
    const h = createClient();
    const socket = connectAndSync(h);
    // Control characters are written as \u00XX: 6 bytes each, the most a character of content can take.
    void h.client.sendPrivate(Number.MAX_SAFE_INTEGER, `x${'\u0001'.repeat(MAX_CONTENT_CHARS - 2)}x`, { clientId: '\u0001'.repeat(64) }).catch(() => {});
    const frame = socket.sent.at(-1)!;
    expect(JSON.parse(frame)).toMatchObject({ type: 'private' });
    expect(new TextEncoder().encode(frame).length).toBeLessThanOrEqual(MIN_FRAME_BYTES);
    expect(MIN_FRAME_BYTES).toBeLessThan(DEFAULT_MAX_FRAME_BYTES);
  });
});
