import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Inbox } from '../../src/client/inbox.js';
import {
  connectAndSync,
  replayed,
  createClient,
  deliveredIds,
  flushPromises,
  groupMessage,
  privateMessage,
  startConnecting,
} from './client-support.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('ParlorClient sync after every (re)connect', () => {
  it('asks for everything on the very first connection, then from what the last replay proved: live ids do not move lastSeenId', () => {
    const h = createClient();
    const first = connectAndSync(h);
    expect(first.frames()[0]).toEqual({ type: 'sync', since: 0 });
    first.push(privateMessage(5));
    first.push(groupMessage(9));
    first.push(privateMessage(7));
    expect(deliveredIds(h.events)).toEqual([5, 9, 7]);
    expect(h.client.lastSeenId).toBe(0);
    first.drop(1006);
    vi.runOnlyPendingTimers();
    const second = h.net.last;
    second.accept();
    expect(second.frames()).toEqual([{ type: 'sync', since: 0 }]);
    // The replay brings them again: nothing is delivered twice, and lastSeenId follows the replay.
    for (const id of [5, 7, 9]) second.push(replayed(privateMessage(id)));
    second.push({ type: 'synced', last_id: 9 });
    expect(deliveredIds(h.events)).toEqual([5, 9, 7]);
    expect(h.client.lastSeenId).toBe(9);
  });

  it('a message missed live far below the newest one is delivered by the next replay, not taken for an old one', () => {
    const h = createClient({ dedupWindow: 100 });
    const first = connectAndSync(h);
    first.push(privateMessage(1000)); // 500 was lost live (a Redis outage)
    first.drop(1006);
    vi.runOnlyPendingTimers();
    const second = h.net.last;
    second.accept();
    expect(second.frames()[0]).toEqual({ type: 'sync', since: 0 });
    second.push(replayed(privateMessage(500)));
    second.push(replayed(privateMessage(1000)));
    second.push({ type: 'synced', last_id: 1000 });
    expect(deliveredIds(h.events)).toEqual([1000, 500]);
  });

  it('a long connection with many live messages asks for a sync once more than dedupWindow pile up above lastSeenId', () => {
    const h = createClient({ dedupWindow: 3 });
    const socket = connectAndSync(h);
    const syncs = () => socket.frames().filter((f) => f.type === 'sync');
    for (const id of [1, 2, 3]) socket.push(privateMessage(id));
    expect(syncs()).toHaveLength(1);
    socket.push(privateMessage(4));
    expect(syncs()).toEqual([{ type: 'sync', since: 0 }, { type: 'sync', since: 0 }]);
    for (const id of [1, 2, 3, 4]) socket.push(replayed(privateMessage(id)));
    socket.push({ type: 'synced', last_id: 4 });
    expect(deliveredIds(h.events)).toEqual([1, 2, 3, 4]);
    expect(h.client.lastSeenId).toBe(4);
  });

  it('a server that never answers the sync (disabled there): busy live traffic is delivered after syncTimeoutMs all the same', () => {
    const h = createClient({ syncTimeoutMs: 1000 });
    startConnecting(h.client);
    const socket = h.net.last;
    socket.accept();
    for (let id = 1; id <= 5; id++) {
      socket.push(privateMessage(id));
      vi.advanceTimersByTime(900);
    }
    // The wait ended 1000 ms after the sync request: 1 and 2 were held until then, the rest came through at once.
    expect(deliveredIds(h.events)).toEqual([1, 2, 3, 4, 5]);
  });

  it('a replay the server could not finish: the error event comes before reconnecting, and nothing after closed', () => {
    const h = createClient({ maxReconnectAttempts: 0 });
    startConnecting(h.client);
    h.net.last.accept();
    h.net.last.push({ type: 'error', code: 'internal', message: 'replay failed' });
    const names = h.events.map(([name]) => name);
    expect(names.indexOf('error')).toBeLessThan(names.indexOf('closed'));
    expect(names.at(-1)).toBe('closed');
  });

  it('a server that never answers syncs is not asked again on that connection when the window fills', () => {
    const h = createClient({ dedupWindow: 3, syncTimeoutMs: 1000 });
    startConnecting(h.client);
    const socket = h.net.last;
    socket.accept();
    socket.push({ type: 'error', code: 'bad_request', message: 'sync is not enabled on this server' });
    vi.advanceTimersByTime(1000);
    for (let id = 1; id <= 20; id++) socket.push(privateMessage(id));
    expect(socket.frames().filter((f) => f.type === 'sync')).toHaveLength(1);
    expect(deliveredIds(h.events)).toHaveLength(20);
  });

  it('a message that a later one overtook live is not skipped: the next sync starts below both', () => {
    // 11 came live, 10 never did (committed later on another instance, or lost in a Redis outage).
    const h = createClient({ since: 9 });
    const first = connectAndSync(h);
    first.push(privateMessage(11));
    expect(deliveredIds(h.events)).toEqual([11]);
    first.drop(1006);
    vi.runOnlyPendingTimers();
    const second = h.net.last;
    second.accept();
    expect(second.frames()[0]).toEqual({ type: 'sync', since: 9 });
    second.push(replayed(privateMessage(10)));
    second.push(replayed(privateMessage(11)));
    second.push({ type: 'synced', last_id: 11 });
    expect(deliveredIds(h.events)).toEqual([11, 10]);
    expect(h.client.lastSeenId).toBe(11);
  });

  it('starts from options.since when given', () => {
    const h = createClient({ since: 1234 });
    startConnecting(h.client);
    h.net.last.accept();
    expect(h.net.last.frames()).toEqual([{ type: 'sync', since: 1234 }]);
    expect(h.client.lastSeenId).toBe(1234);
  });

  it('writes sync first, then (after the welcome) every unacked send in the order it was made, then later ones; a read waits for the replay', async () => {
    const h = createClient();
    const socket = connectAndSync(h);
    const a = h.client.sendPrivate(2, 'a');
    void h.client.sendGroup(7, 'b').catch(() => {});
    void h.client.sendPrivate(3, 'c').catch(() => {});
    socket.push({ type: 'ack', client_id: 'c1', id: 100, timestamp: 1 });
    await expect(a).resolves.toMatchObject({ id: 100 });
    socket.drop(1006);
    void h.client.sendPrivate(2, 'd').catch(() => {});
    h.client.markRead(50);
    void h.client.sendGroup(7, 'e').catch(() => {});
    vi.runOnlyPendingTimers();
    h.net.last.accept();
    void h.client.sendPrivate(4, 'f').catch(() => {});
    // Held until the welcome says the same user is still signed in (a new one would not send the last one's).
    expect(h.net.last.frames()).toEqual([{ type: 'sync', since: 0 }]);
    h.net.last.push({ type: 'welcome', user_id: 1, timestamp: 2 });
    expect(h.net.last.frames()).toEqual([
      { type: 'sync', since: 0 },
      { type: 'group', group_id: 7, content: 'b', client_id: 'c2' },
      { type: 'private', to: 3, content: 'c', client_id: 'c3' },
      { type: 'private', to: 2, content: 'd', client_id: 'c4' },
      { type: 'group', group_id: 7, content: 'e', client_id: 'c5' },
      { type: 'private', to: 4, content: 'f', client_id: 'c6' },
    ]);
    expect(h.client.pending).toBe(5);
    // The read goes once the replay is over: an error without client_id during it is the replay's alone.
    h.net.last.push({ type: 'synced', last_id: 0 });
    expect(h.net.last.frames().at(-1)).toEqual({ type: 'read', message_id: 50 });
  });

  it('resends an unacked message with the same client_id after a reconnect, and one ack settles it', async () => {
    const h = createClient();
    const first = connectAndSync(h);
    const sent = h.client.sendPrivate(2, 'maybe stored');
    first.drop(1006);
    vi.runOnlyPendingTimers();
    const second = h.net.last;
    second.accept();
    second.push({ type: 'welcome', user_id: 1, timestamp: 2 });
    const writes = [first, second].flatMap((s) => s.frames()).filter((f) => f.type === 'private');
    expect(writes).toEqual([
      { type: 'private', to: 2, content: 'maybe stored', client_id: 'c1' },
      { type: 'private', to: 2, content: 'maybe stored', client_id: 'c1' },
    ]);
    second.push({ type: 'ack', client_id: 'c1', id: 77, timestamp: 3 });
    await expect(sent).resolves.toEqual({ id: 77, timestamp: 3, client_id: 'c1' });
  });

  it('delivers a message that arrives both live and in the replay once', () => {
    const h = createClient();
    const first = connectAndSync(h);
    first.push(privateMessage(10));
    first.push(privateMessage(11));
    first.drop(1006);
    vi.runOnlyPendingTimers();
    const second = h.net.last;
    second.accept();
    // The server replays since 11, but a live copy of 12 overtakes the replay, and 11 comes again.
    second.push(privateMessage(12));
    second.push(privateMessage(11));
    second.push(privateMessage(12));
    second.push(groupMessage(13));
    second.push({ type: 'synced', last_id: 13 });
    second.push(groupMessage(13));
    expect(deliveredIds(h.events)).toEqual([10, 11, 12, 13]);
  });

  it('holds messages back until synced and delivers them in id order, then the synced event', () => {
    const h = createClient({ since: 100 });
    startConnecting(h.client);
    const socket = h.net.last;
    socket.accept();
    socket.push(privateMessage(130));
    socket.push(groupMessage(101));
    socket.push(privateMessage(115));
    expect(deliveredIds(h.events)).toEqual([]);
    socket.push({ type: 'synced', last_id: 115 });
    expect(deliveredIds(h.events)).toEqual([101, 115, 130]);
    expect(h.events.at(-1)).toEqual(['synced', { type: 'synced', last_id: 115 }]);
    // 130 came live: the replay proved everything up to 115 only.
    expect(h.client.lastSeenId).toBe(115);
    socket.push(privateMessage(131));
    expect(deliveredIds(h.events)).toEqual([101, 115, 130, 131]);
  });

  it('a client that only sends: its acked ids fill the window too, so it syncs, and a later replay never hands its own messages back', async () => {
    const h = createClient({ dedupWindow: 2 });
    const first = connectAndSync(h);
    const syncs = () => first.frames().filter((f) => f.type === 'sync');
    for (let i = 1; i <= 9; i++) {
      const sent = h.client.sendPrivate(2, `mine ${i}`);
      first.push({ type: 'ack', client_id: `c${i}`, id: i, timestamp: i });
      await sent;
      // The sync the window asked for: its replay of my own messages delivers nothing and moves lastSeenId up.
      if (syncs().length > 1 && h.client.lastSeenId < i) {
        for (let id = h.client.lastSeenId + 1; id <= i; id++) first.push(replayed(privateMessage(id, { from: 1, to: 2, content: `mine ${id}` })));
        first.push({ type: 'synced', last_id: i });
      }
    }
    expect(syncs().length).toBeGreaterThan(1);
    first.drop(1006);
    vi.runOnlyPendingTimers();
    const second = h.net.last;
    second.accept();
    for (let id = 1; id <= 9; id++) second.push(replayed(privateMessage(id, { from: 1, to: 2, content: `mine ${id}` })));
    second.push({ type: 'synced', last_id: 9 });
    expect(deliveredIds(h.events)).toEqual([]);
  });

  it('does not deliver a replay of my own acknowledged message', async () => {
    const h = createClient();
    const first = connectAndSync(h);
    const sent = h.client.sendPrivate(2, 'mine');
    first.push({ type: 'ack', client_id: 'c1', id: 20, timestamp: 1 });
    await sent;
    first.drop(1006);
    vi.runOnlyPendingTimers();
    h.net.last.accept();
    h.net.last.push(privateMessage(20, { from: 1, to: 2, content: 'mine' }));
    h.net.last.push(privateMessage(21));
    h.net.last.push({ type: 'synced', last_id: 21 });
    expect(deliveredIds(h.events)).toEqual([21]);
  });

  it('delivers a replay as it arrives, holding back only live messages the replay has not reached', () => {
    const h = createClient({ since: 100 });
    startConnecting(h.client);
    const socket = h.net.last;
    socket.accept();
    socket.push(privateMessage(130)); // live, ahead of the replay
    socket.push(replayed(privateMessage(101)));
    expect(deliveredIds(h.events)).toEqual([101]);
    socket.push(replayed(groupMessage(115)));
    expect(deliveredIds(h.events)).toEqual([101, 115]);
    expect(h.client.lastSeenId).toBe(115);
    socket.push(replayed(privateMessage(130)));
    socket.push(replayed(privateMessage(131)));
    expect(deliveredIds(h.events)).toEqual([101, 115, 130, 131]);
    socket.push({ type: 'synced', last_id: 131 });
    expect(deliveredIds(h.events)).toEqual([101, 115, 130, 131]);
  });

  it('keeps what it received when a connection closes mid-replay, and the next sync resumes from the last replayed id', () => {
    const h = createClient({ since: 10 });
    startConnecting(h.client);
    const first = h.net.last;
    first.accept();
    first.push(replayed(privateMessage(11)));
    first.push(privateMessage(500)); // live: older messages may still be missing
    first.push(replayed(privateMessage(12)));
    first.drop(1013);
    expect(deliveredIds(h.events)).toEqual([11, 12]);
    expect(h.client.lastSeenId).toBe(12);
    vi.runOnlyPendingTimers();
    const second = h.net.last;
    second.accept();
    expect(second.frames()[0]).toEqual({ type: 'sync', since: 12 });
    second.push(replayed(privateMessage(13)));
    expect(deliveredIds(h.events)).toEqual([11, 12, 13]);
    second.drop(1006);
    vi.runOnlyPendingTimers();
    const third = h.net.last;
    third.accept();
    expect(third.frames()[0]).toEqual({ type: 'sync', since: 13 });
    third.push(replayed(privateMessage(14)));
    third.push(replayed(privateMessage(500)));
    third.push({ type: 'synced', last_id: 500 });
    // 500 arrived on the first connection and again in the last replay: delivered once, in order.
    expect(deliveredIds(h.events)).toEqual([11, 12, 13, 14, 500]);
  });

  it('a sync the server answered rate_limited (its sync budget) is written again a second later, holding live messages meanwhile', () => {
    const h = createClient({ since: 10 });
    startConnecting(h.client);
    const socket = h.net.last;
    socket.accept();
    const syncs = () => socket.frames().filter((f) => f.type === 'sync');
    expect(syncs()).toEqual([{ type: 'sync', since: 10 }]);
    socket.push({ type: 'error', code: 'rate_limited', message: 'too many syncs, slow down' });
    socket.push(privateMessage(20)); // live; 11-19 were missed while disconnected
    vi.advanceTimersByTime(999);
    expect(syncs()).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(syncs()).toEqual([{ type: 'sync', since: 10 }, { type: 'sync', since: 10 }]);
    expect(deliveredIds(h.events)).toEqual([]);
    for (const id of [11, 20]) socket.push(replayed(privateMessage(id)));
    socket.push({ type: 'synced', last_id: 20 });
    expect(deliveredIds(h.events)).toEqual([11, 20]);
    expect(h.client.state).toBe('open');
  });

  it('typing and broadcast wait out the replay (dropped, as when not connected): an error without client_id then is the sync\'s alone', () => {
    const h = createClient();
    startConnecting(h.client);
    const socket = h.net.last;
    socket.accept();
    socket.push(replayed(privateMessage(1)));
    // Ephemeral: not written during the replay (false, as when not connected), so the server cannot answer them.
    expect(h.client.typing({ group_id: 7 })).toBe(false);
    expect(h.client.broadcast('hello')).toBe(false);
    expect(socket.frames().map((f) => f.type)).toEqual(['sync']);
    socket.push({ type: 'synced', last_id: 1 });
    expect(h.client.typing({ group_id: 7 })).toBe(true);
    expect(socket.frames().map((f) => f.type)).toEqual(['sync', 'typing']);
  });

  it('a server without sync (it answers bad_request) ends the wait at once: held messages delivered, typing written, not asked again', () => {
    const h = createClient({ dedupWindow: 2 });
    startConnecting(h.client);
    const socket = h.net.last;
    socket.accept();
    socket.push(privateMessage(5));
    expect(deliveredIds(h.events)).toEqual([]);
    socket.push({ type: 'error', code: 'bad_request', message: 'sync is not enabled' });
    expect(deliveredIds(h.events)).toEqual([5]);
    expect(h.client.typing({ to: 2 })).toBe(true);
    for (const id of [6, 7, 8]) socket.push(privateMessage(id));
    expect(socket.frames().filter((f) => f.type === 'sync')).toHaveLength(1);
    expect(deliveredIds(h.events)).toEqual([5, 6, 7, 8]);
  });

  it('a token refresh due during the replay is written once the replay is over (the refresher tries again a second later)', async () => {
    let n = 0;
    const h = createClient({ getToken: () => ({ token: `t${++n}`, expires_at: Date.now() + 2000 }) });
    h.client.connect().catch(() => {});
    await flushPromises();
    const socket = h.net.last;
    socket.accept();
    socket.push({ type: 'welcome', user_id: 1, timestamp: 1 });
    socket.push(replayed(privateMessage(1)));
    await vi.advanceTimersByTimeAsync(1000); // halfway to a 2 s token's end: the refresh is due, mid-replay
    expect(socket.frames().filter((f) => f.type === 'refresh')).toEqual([]);
    socket.push({ type: 'synced', last_id: 1 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(socket.frames().filter((f) => f.type === 'refresh')).toHaveLength(1);
    h.client.close();
  });

  it('a replay the server could not finish (error internal, no synced): reconnects and syncs again from the last replayed id', () => {
    const h = createClient({ since: 0 });
    startConnecting(h.client);
    const first = h.net.last;
    first.accept();
    first.push(replayed(privateMessage(1)));
    first.push(privateMessage(10)); // live, above what the replay reached: 4-9 may still be missing
    first.push(replayed(privateMessage(3)));
    first.push({ type: 'error', code: 'internal', message: 'internal error' });
    expect(first.closeCalls).toHaveLength(1);
    vi.advanceTimersByTime(30_000); // no sync timer delivers 10 and moves lastSeenId past 4-9
    expect(deliveredIds(h.events)).toEqual([1, 3]);
    expect(h.client.lastSeenId).toBe(3);
    const second = h.net.last;
    expect(second).not.toBe(first);
    second.accept();
    expect(second.frames()[0]).toEqual({ type: 'sync', since: 3 });
    for (const id of [5, 9, 10]) second.push(replayed(privateMessage(id)));
    second.push({ type: 'synced', last_id: 10 });
    expect(deliveredIds(h.events)).toEqual([1, 3, 5, 9, 10]);
  });

  it('an error without client_id that is not a failed replay (a bad read) changes nothing about the sync', () => {
    const h = createClient({ since: 0 });
    startConnecting(h.client);
    const first = h.net.last;
    first.accept();
    first.push({ type: 'error', code: 'not_found', message: 'message 7 is not a private message to you' });
    first.push({ type: 'synced', last_id: 0 });
    expect(first.closeCalls).toEqual([]);
    expect(h.net.last).toBe(first);
  });

  it('keeps held messages across a close when the server marks nothing as replayed, and asks again from lastSeenId', () => {
    const h = createClient({ since: 10 });
    startConnecting(h.client);
    const first = h.net.last;
    first.accept();
    first.push(privateMessage(11));
    first.push(privateMessage(500));
    first.drop(1006);
    expect(deliveredIds(h.events)).toEqual([]);
    expect(h.client.lastSeenId).toBe(10);
    vi.runOnlyPendingTimers();
    const second = h.net.last;
    second.accept();
    expect(second.frames()[0]).toEqual({ type: 'sync', since: 10 });
    second.push(privateMessage(12));
    second.push({ type: 'synced', last_id: 12 });
    // The server never sent 11 and 500 again: the copies held since the first connection are delivered.
    expect(deliveredIds(h.events)).toEqual([11, 12, 500]);
  });

  it('delivers held messages syncTimeoutMs after the sync request when the server never answers synced (live messages do not extend it)', () => {
    const h = createClient({ syncTimeoutMs: 1000 });
    startConnecting(h.client);
    const socket = h.net.last;
    socket.accept();
    // Nothing comes back for the sync (a server that ignores it; one that says `sync is not enabled` ends the wait at once).
    vi.advanceTimersByTime(600);
    socket.push(privateMessage(3));
    socket.push(privateMessage(2));
    vi.advanceTimersByTime(399);
    expect(deliveredIds(h.events)).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(deliveredIds(h.events)).toEqual([2, 3]);
    socket.push(privateMessage(4));
    expect(deliveredIds(h.events)).toEqual([2, 3, 4]);
  });

  it('stops delivering held messages when a listener closes the client', async () => {
    const h = createClient();
    startConnecting(h.client);
    h.net.last.accept();
    h.net.last.push(privateMessage(1));
    h.net.last.push(privateMessage(2));
    h.client.once('private', () => h.client.close());
    h.net.last.push({ type: 'synced', last_id: 2 });
    await flushPromises();
    expect(deliveredIds(h.events)).toEqual([1]);
    expect(h.events.some(([n]) => n === 'synced')).toBe(false);
    // Message 2 is not lost: no replay has moved lastSeenId, and the next connection's sync brings it.
    expect(h.client.lastSeenId).toBe(0);
    startConnecting(h.client);
    const next = h.net.last;
    next.accept();
    expect(next.frames()[0]).toEqual({ type: 'sync', since: 0 });
    next.push(replayed(privateMessage(1)));
    next.push(replayed(privateMessage(2)));
    next.push({ type: 'synced', last_id: 2 });
    expect(deliveredIds(h.events)).toEqual([1, 2]);
  });
});

describe('Inbox deduplication window', () => {
  it('drops ids at or below lastSeenId as seen, and remembers the delivered ones above it, however far apart', () => {
    const inbox = new Inbox(500, 100);
    const msg = (id: number) => ({ ...privateMessage(id), type: 'private' as const });
    expect(inbox.receive(msg(1000))).toHaveLength(1);
    expect(inbox.receive(msg(900))).toEqual([msg(900)]); // far below the newest, but never delivered: not old
    expect(inbox.receive(msg(900))).toEqual([]);
    expect(inbox.receive(msg(1000))).toEqual([]);
    expect(inbox.receive(msg(400))).toEqual([]); // at or below lastSeenId: delivered before
    expect(inbox.lastSeenId).toBe(500); // live ids prove nothing below them
  });

  it('keeps memory bounded however many ids it sees: past the window it wants a sync, and a sync lets them go', () => {
    const inbox = new Inbox(0, 50);
    expect(inbox.wantsSync).toBe(false);
    for (let id = 1; id <= 10_000; id++) inbox.receive({ ...privateMessage(id), type: 'private' });
    for (let id = 20_000; id < 20_500; id++) inbox.markKnown(id);
    const seen = (inbox as unknown as { seen: Set<number> }).seen;
    expect(seen.size).toBeLessThanOrEqual(200);
    expect(inbox.wantsSync).toBe(true);
    inbox.beginSync();
    inbox.endSync();
    inbox.syncedThrough(20_499);
    expect(seen.size).toBe(0);
    expect(inbox.wantsSync).toBe(false);
    expect(inbox.receive({ ...privateMessage(20_500), type: 'private' })).toHaveLength(1);
  });
});

describe('ParlorClient when another user signs in on the same client', () => {
  it('starts over from 0 on a new socket: the last user\'s position and held messages are not the new user\'s', async () => {
    const h = createClient();
    const first = connectAndSync(h, 1);
    first.drop(1006);
    vi.runOnlyPendingTimers();
    const second = h.net.last;
    second.accept();
    second.push({ type: 'welcome', user_id: 1, timestamp: 1 });
    second.push(replayed(privateMessage(9)));
    second.push({ type: 'synced', last_id: 9 });
    expect(h.client.lastSeenId).toBe(9);
    // A third connection, mid-replay: a live message for user 1 overtakes it and is held back; then user 1 logs out.
    second.drop(1006);
    vi.runOnlyPendingTimers();
    const third = h.net.last;
    third.accept();
    third.push({ type: 'welcome', user_id: 1, timestamp: 1 });
    third.push(privateMessage(20, { content: 'for user 1 only' }));
    third.drop(4401, 'logged out');
    expect(h.client.state).toBe('closed');

    // User 2 signs in on the page, and the app calls connect() on the same client.
    void h.client.connect().catch(() => {});
    const fourth = h.net.last;
    fourth.accept();
    expect(fourth.frames()[0]).toEqual({ type: 'sync', since: 9 }); // written at open, before the welcome says who this is
    fourth.push({ type: 'welcome', user_id: 2, timestamp: 1 });
    expect(fourth.closeCalls).toEqual([{ code: 1000, reason: 'user changed' }]);
    fourth.push(replayed(privateMessage(30, { to: 2 }))); // too late: the socket is dropped, nothing of it is delivered
    vi.runOnlyPendingTimers();
    const fifth = h.net.last;
    fifth.accept();
    expect(fifth.frames()[0]).toEqual({ type: 'sync', since: 0 });
    fifth.push({ type: 'welcome', user_id: 2, timestamp: 1 });
    fifth.push(replayed(privateMessage(3, { to: 2 })));
    fifth.push(replayed(privateMessage(30, { to: 2 })));
    fifth.push({ type: 'synced', last_id: 30 });
    await flushPromises();
    const afterSwitch = deliveredIds(h.events).slice(deliveredIds(h.events).indexOf(9) + 1);
    expect(afterSwitch).toEqual([3, 30]); // user 2's older message too, and never user 1's held 20
    expect(h.client.lastSeenId).toBe(30);
  });

  it("starts the new user from 0, not from the `since` option: that was the first user's stored position", () => {
    const h = createClient({ since: 50 });
    startConnecting(h.client);
    const first = h.net.last;
    first.accept();
    expect(first.frames()[0]).toEqual({ type: 'sync', since: 50 });
    first.push({ type: 'welcome', user_id: 1, timestamp: 1 });
    first.push({ type: 'synced', last_id: 60 });

    void h.client.connect().catch(() => {}); // user 2 signed in on the page
    const second = h.net.last;
    second.accept();
    second.push({ type: 'welcome', user_id: 2, timestamp: 1 });
    vi.runOnlyPendingTimers();
    const third = h.net.last;
    third.accept();
    expect(third.frames()[0]).toEqual({ type: 'sync', since: 0 });
    third.push({ type: 'welcome', user_id: 2, timestamp: 1 });
    third.push(replayed(privateMessage(5, { to: 2 }))); // under user 1's since: user 2's all the same
    third.push({ type: 'synced', last_id: 5 });
    expect(deliveredIds(h.events)).toEqual([5]);
  });

  it("never writes the last user's queued sends and read marks as the new user: sends reject with user_changed", async () => {
    const h = createClient();
    const first = connectAndSync(h, 1);
    first.drop(1006); // reconnecting: user 1 writes meanwhile
    const queued = h.client.sendPrivate(3, 'written by user 1').then(
      () => 'acked',
      (err: { code?: string }) => err.code,
    );
    h.client.markRead(40);
    expect(h.client.pending).toBe(1);

    // User 2 signs in on the page, and the app calls connect(): the outbox waits for the welcome.
    void h.client.connect().catch(() => {});
    const second = h.net.last;
    second.accept();
    expect(second.frames()).toEqual([{ type: 'sync', since: 0 }]);
    second.push({ type: 'welcome', user_id: 2, timestamp: 1 });
    expect(await queued).toBe('user_changed');
    expect(h.client.pending).toBe(0);
    expect(second.frames()).toEqual([{ type: 'sync', since: 0 }]);

    vi.runOnlyPendingTimers();
    const third = h.net.last;
    third.accept();
    third.push({ type: 'welcome', user_id: 2, timestamp: 1 });
    third.push({ type: 'synced', last_id: 0 });
    expect(third.frames()).toEqual([{ type: 'sync', since: 0 }]); // the read mark was user 1's: dropped
    void h.client.sendPrivate(3, 'written by user 2').catch(() => {});
    expect(third.frames().at(-1)).toMatchObject({ type: 'private', content: 'written by user 2' });
  });
});
