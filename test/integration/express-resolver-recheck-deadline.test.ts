/**
 * expressSessionResolver's stillValid bounds each store get itself (5 s), one
 * get at a time per 8 sessions, so a re-check of many sessions may rightly take
 * longer than the host-interface deadline (interfaceTimeoutMs): that deadline
 * does not cut it off (boundsItsOwnCalls, src/interface-failure.ts). When it
 * did, every re-check past the deadline was given up and the sockets of ended
 * sessions stayed open for good.
 */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it, vi } from 'vitest';
import type { Store } from 'express-session';
import { createParlor } from '../../src/app.js';
import { expressSessionResolver } from '../../src/session/express-session-resolver.js';
import { openSqliteStores } from '../../src/store/sqlite/index.js';
import { FakeSocket } from '../support/fake-socket.js';
import { captureLogger } from '../support/server.js';

const SESSIONS = 40;
const GET_MS = 30; // 40 sessions, 8 gets at a time: about 150 ms, three times the deadline below

describe('the session re-check of expressSessionResolver with many sessions', () => {
  it('closes the socket of an ended session though the batch takes longer than interfaceTimeoutMs', async () => {
    const ended = new Set<string>();
    const store = {
      get(sid: string, cb: (err: unknown, data?: unknown) => void) {
        setTimeout(() => cb(null, ended.has(sid) ? null : { userId: Number(sid.slice(4)), cookie: {} }), GET_MS);
      },
    } as unknown as Store;
    // The host's express-session middleware, as far as resolve needs it: the session of the `x-sid` header.
    const middleware = (req: any, _res: unknown, next: () => void) => {
      const sid = String(req.headers['x-sid']);
      req.session = { userId: Number(sid.slice(4)) };
      req.sessionID = sid;
      next();
    };
    const resolver = expressSessionResolver(middleware as never, (session) => session.userId, { store });
    const stores = openSqliteStores({ path: ':memory:', writer: 'inline' });
    const { logger, lines } = captureLogger();
    const parlor = createParlor({ stores, logger, sessionResolver: resolver, tokens: false, interfaceTimeoutMs: 50, manager: { sessionRecheckMs: 100 } });
    const sockets: FakeSocket[] = [];
    try {
      for (let i = 1; i <= SESSIONS; i++) {
        const sid = `sid-${i}`;
        // An upgrade's lookup (recorded by the resolver as where the session lives), then the socket it opened.
        const identity = await resolver.resolve({ headers: { 'x-sid': sid, upgrade: 'websocket' } } as unknown as IncomingMessage);
        const socket = new FakeSocket();
        parlor.manager.addConnection(socket, identity!);
        sockets.push(socket);
      }
      ended.add('sid-1'); // signed out elsewhere: the store no longer holds it
      await vi
        .waitFor(() => expect(sockets[0]!.closeCode).toBe(4401), { timeout: 3000, interval: 20 })
        .catch(() => undefined);
      const givenUp = lines.filter((l) => String(l.msg).startsWith('session re-check failed')).map((l) => l.err?.message);
      expect({ endedSessionSocket: sockets[0]!.closeCode ?? 'still open after 3 s', givenUp: givenUp.slice(0, 1) }).toEqual({
        endedSessionSocket: 4401,
        givenUp: [],
      });
      expect(sockets[1]!.closeCode).toBeUndefined();
    } finally {
      await parlor.close();
      await stores.close();
    }
  });
});
