/**
 * Contract section 5 ("every socket of that user closes with 4401 within
 * 2 s"), for a socket whose upgrade is still looking up its session when the
 * order comes: the order must reach it too, not only the sockets already
 * open, or a ban would leave it open for good.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createParlor, type Parlor } from '../../src/app.js';
import { openSqliteStores, type SqliteStores } from '../../src/store/sqlite/index.js';
import type { Identity } from '../../src/websocket/session-resolver.js';

/** A session lookup held open until the test lets it answer. */
interface Gate {
  called: Promise<void>;
  open(): void;
}

describe('a disconnect order that comes while an upgrade is resolving its session', () => {
  let stores: SqliteStores;
  let parlor: Parlor;
  let server: Server;
  let wsUrl: string;
  const gates: Gate[] = [];

  const nextGate = (): Gate => {
    let called!: () => void;
    let open!: () => void;
    const gate: Gate & { wait: Promise<void>; arrived: () => void } = {
      called: new Promise<void>((ok) => (called = ok)),
      wait: new Promise<void>((ok) => (open = ok)),
      open: () => open(),
      arrived: () => called(),
    };
    gates.push(gate);
    return gate;
  };

  beforeAll(async () => {
    stores = openSqliteStores({ path: ':memory:' });
    parlor = createParlor({
      stores,
      tokens: false,
      sessionResolver: {
        // The cookie names the user and the session: `u=<id>; s=<session>`.
        async resolve(req): Promise<Identity | null> {
          const gate = gates.shift() as (Gate & { wait: Promise<void>; arrived: () => void }) | undefined;
          gate?.arrived();
          await gate?.wait;
          const cookie = Object.fromEntries((req.headers.cookie ?? '').split('; ').map((p) => p.split('=')));
          return { userId: Number(cookie.u), sessionId: cookie.s, via: 'cookie' };
        },
      },
    });
    server = createServer(express().use(parlor.router));
    parlor.attach(server);
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    wsUrl = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`;
  });

  afterAll(async () => {
    await parlor.close();
    server.closeAllConnections();
    await new Promise((ok) => server.close(ok));
    await stores.close();
  });

  /** Opens a socket for `cookie` and reports what it saw: the first frame's type, and the close code. */
  function open(cookie: string): { frames: string[]; closed: Promise<number>; ws: WebSocket } {
    const ws = new WebSocket(wsUrl, { headers: { cookie } });
    const frames: string[] = [];
    ws.on('message', (data) => frames.push(JSON.parse(String(data)).type));
    const closed = new Promise<number>((ok) => ws.on('close', (code) => ok(code)));
    return { frames, closed, ws };
  }

  it.each([
    ['disconnectUser(userId)', (p: Parlor) => p.disconnectUser(41)],
    ['disconnectSession(sessionId)', (p: Parlor) => p.disconnectSession('s-41')],
  ])('%s during the lookup: the socket closes with 4401 and never gets a welcome', async (_name, order) => {
    const gate = nextGate();
    const socket = open('u=41; s=s-41');
    await gate.called;
    order(parlor);
    gate.open();
    const code = await Promise.race([socket.closed, new Promise<number>((ok) => setTimeout(() => ok(-1), 2000))]);
    expect(code).toBe(4401);
    expect(socket.frames).not.toContain('welcome');
  });

  it('an order for someone else, or one from before the lookup began, leaves the socket open', async () => {
    parlor.disconnectUser(42);
    const gate = nextGate();
    const socket = open('u=42; s=s-42');
    await gate.called;
    parlor.disconnectUser(43);
    parlor.disconnectSession('s-other');
    gate.open();
    await new Promise<void>((ok) => socket.ws.once('message', () => ok()));
    expect(socket.frames[0]).toBe('welcome');
    socket.ws.close();
    await socket.closed;
  });
});
