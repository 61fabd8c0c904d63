import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Connection, type SocketLike } from '../../src/websocket/connection.js';
import { resolveManagerOptions } from '../../src/websocket/options.js';
import { encodeFrame, latestStateKey } from '../../src/websocket/protocol.js';
import type { Transport } from '../../src/websocket/transport.js';

/** A socket whose backlog the test sets by hand. */
class BackloggedSocket extends EventEmitter implements SocketLike {
  readyState = 1;
  bufferedAmount = 0;
  sent: string[] = [];
  closedWith: number | undefined;
  send(data: Buffer): void {
    this.sent.push(data.toString());
  }
  close(code?: number): void {
    this.closedWith = code;
    this.readyState = 2;
  }
  terminate(): void {
    this.readyState = 3;
  }
  ping(): void {}
}

const options = resolveManagerOptions({ shedBufferedBytes: 1000, maxBufferedBytes: 5000 });
const presence = (user_id: number, online: boolean) => {
  const body = { user_id, online };
  return [encodeFrame('presence', body), latestStateKey('presence', body)!] as const;
};
const sendPresence = (conn: Connection, user: number, online: boolean) => {
  const [raw, key] = presence(user, online);
  return conn.sendEphemeral(raw, key);
};

describe('Connection: slow consumers', () => {
  it('holds back ephemeral frames while behind, keeps the latest per user, and flushes them once caught up', async () => {
    const socket = new BackloggedSocket();
    const conn = new Connection(socket, { userId: 1, via: 'cookie' }, options);
    socket.bufferedAmount = 2000;

    expect(sendPresence(conn, 5, true)).toBe('shed');
    expect(sendPresence(conn, 6, true)).toBe('shed');
    expect(sendPresence(conn, 5, false)).toBe('shed');
    expect(conn.heldBackCount).toBe(2);
    expect(socket.sent).toEqual([]);

    socket.bufferedAmount = 0;
    await new Promise((r) => setTimeout(r, 120));
    expect(socket.sent.map((s) => JSON.parse(s))).toEqual([
      { type: 'presence', user_id: 6, online: true },
      { type: 'presence', user_id: 5, online: false },
    ]);
    expect(conn.heldBackCount).toBe(0);
  });

  it('never holds back stored frames, and closes with 1013 past the hard limit', () => {
    const socket = new BackloggedSocket();
    const conn = new Connection(socket, { userId: 1, via: 'cookie' }, options);
    socket.bufferedAmount = 2000;
    const message = encodeFrame('private', { id: 1, from: 2, to: 1, content: 'hi', timestamp: 1 });
    expect(conn.send(message)).toBe('sent');
    expect(socket.sent).toEqual([message]);

    socket.bufferedAmount = 6000;
    expect(conn.send(message)).toBe('closed');
    expect(socket.closedWith).toBe(1013);
    expect(conn.send(message)).toBe('closed');
    expect(socket.sent).toHaveLength(2);
  });

  it('drops what it held back when the connection closes', async () => {
    const socket = new BackloggedSocket();
    const conn = new Connection(socket, { userId: 1, via: 'cookie' }, options);
    socket.bufferedAmount = 2000;
    sendPresence(conn, 5, true);
    conn.close(1001, 'bye');
    socket.bufferedAmount = 0;
    await new Promise((r) => setTimeout(r, 120));
    expect(socket.sent).toEqual([]);
  });
});

/** The TCP socket under a WebSocket, as far as a Connection uses it: the test says whether a 'drain' is coming. */
class FakeTransport extends EventEmitter implements Transport {
  writableNeedDrain = false;
  corks = 0;
  uncorks = 0;
  cork(): void {
    this.corks++;
  }
  uncork(): void {
    this.uncorks++;
  }
}

describe('Connection: the transport under the socket', () => {
  // No check would run during these tests: only 'drain' can flush.
  const noPolling = resolveManagerOptions({ shedBufferedBytes: 1000, maxBufferedBytes: 5000, drainCheckMs: 60_000 });

  it("flushes what it held back at the transport's 'drain', without waiting for a check", () => {
    const socket = new BackloggedSocket();
    const transport = new FakeTransport();
    const conn = new Connection(socket, { userId: 1, via: 'cookie' }, noPolling, transport);
    socket.bufferedAmount = 20_000;
    transport.writableNeedDrain = true;
    expect(sendPresence(conn, 5, true)).toBe('shed');
    expect(sendPresence(conn, 5, false)).toBe('shed');
    expect(transport.listenerCount('drain')).toBe(1);

    socket.bufferedAmount = 0;
    transport.writableNeedDrain = false;
    transport.emit('drain');
    expect(socket.sent.map((s) => JSON.parse(s))).toEqual([{ type: 'presence', user_id: 5, online: false }]);
    expect(conn.heldBackCount).toBe(0);
    expect(transport.listenerCount('drain')).toBe(0);
  });

  it("checks after drainCheckMs when the transport will not emit 'drain' (a backlog under its high-water mark)", async () => {
    const socket = new BackloggedSocket();
    const transport = new FakeTransport();
    const conn = new Connection(socket, { userId: 1, via: 'cookie' }, options, transport);
    socket.bufferedAmount = 2000;
    expect(sendPresence(conn, 5, true)).toBe('shed');
    expect(transport.listenerCount('drain')).toBe(0);
    socket.bufferedAmount = 0;
    await new Promise((r) => setTimeout(r, 120));
    expect(socket.sent.map((s) => JSON.parse(s))).toEqual([{ type: 'presence', user_id: 5, online: true }]);
  });

  it("stops listening for 'drain' when the connection closes", () => {
    const socket = new BackloggedSocket();
    const transport = new FakeTransport();
    const conn = new Connection(socket, { userId: 1, via: 'cookie' }, noPolling, transport);
    socket.bufferedAmount = 20_000;
    transport.writableNeedDrain = true;
    sendPresence(conn, 5, true);
    conn.close(1001, 'bye');
    expect(transport.listenerCount('drain')).toBe(0);
    expect(conn.heldBackCount).toBe(0);
  });

  it('corks the transport once per tick, and uncorks it on the next', async () => {
    const socket = new BackloggedSocket();
    const transport = new FakeTransport();
    const conn = new Connection(socket, { userId: 1, via: 'cookie' }, options, transport);
    const message = encodeFrame('private', { id: 1, from: 2, to: 1, content: 'hi', timestamp: 1 });
    for (let i = 0; i < 3; i++) conn.send(message);
    expect([transport.corks, transport.uncorks]).toEqual([1, 0]);
    await new Promise((r) => process.nextTick(r));
    expect([transport.corks, transport.uncorks]).toEqual([1, 1]);
    conn.send(message);
    expect(transport.corks).toBe(2);
  });
});

describe('Connection: closing', () => {
  it('destroys a socket whose peer has not finished the closing handshake after closeTimeoutMs', async () => {
    const socket = new BackloggedSocket();
    const conn = new Connection(socket, { userId: 1, via: 'cookie' }, resolveManagerOptions({ closeTimeoutMs: 30 }));
    conn.close(1001, 'bye');
    expect(socket.readyState).toBe(2);
    await new Promise((r) => setTimeout(r, 10));
    expect(socket.readyState).toBe(2);
    await new Promise((r) => setTimeout(r, 60));
    expect(socket.readyState).toBe(3);
  });
});

describe('Connection: its timeouts are Manager options', () => {
  it('defaults to the former constants, and refuses values that cannot work like every other duration', () => {
    expect(resolveManagerOptions()).toMatchObject({ closeTimeoutMs: 5000, drainCheckMs: 50 });
    expect(() => resolveManagerOptions({ closeTimeoutMs: 0 })).toThrow(/closeTimeoutMs must be a positive number/);
    expect(() => resolveManagerOptions({ drainCheckMs: Number.NaN })).toThrow(/drainCheckMs must be a positive number/);
  });
});
