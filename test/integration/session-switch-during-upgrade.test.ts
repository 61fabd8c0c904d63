/**
 * docs/contract.md ("a host sessionResolver and the re-check"): a session belongs to one user at a time, and the
 * newest sign-in wins. An upgrade whose session lookup read the session as the earlier user, and answered only after
 * the session signed in as another user (logout and login in a session the host kept) and that user's socket
 * opened, read a session that no longer holds it: it closes with 4401 `logged out` (OrdersDuringUpgrade, as an order
 * heard during the lookup does), and the new user's socket stays open.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openSqliteStores } from '../../src/store/sqlite/index.js';
import type { SessionResolver } from '../../src/websocket/session-resolver.js';
import { startHostApp } from '../support/host-app.js';
import { closeAll, connectClient } from '../support/server.js';

const dir = mkdtempSync(join(tmpdir(), 'parlor-session-switch-'));
const cleanup: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  await closeAll();
  for (const c of cleanup.reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

/** A session lookup the test holds: the resolver calls `heldStarted()` then awaits `held`, until `release()`. */
function heldLookup() {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let heldStarted!: () => void;
  const lookupStarted = new Promise<void>((r) => (heldStarted = r));
  return { held, release, heldStarted, lookupStarted };
}

it('an upgrade that looked the session up as the earlier user does not end the new user\'s socket', async () => {
  const sessions = new Map<string, number>();
  const { held, release, heldStarted, lookupStarted } = heldLookup();
  // The host's session: `x-sid` names it, `sessions` says who is signed in on it. An `x-hold` upgrade reads the
  // session, then its store answer is slow (a Redis session store under load).
  const resolver: SessionResolver = {
    async resolve(req) {
      const sid = String(req.headers['x-sid'] ?? '');
      const userId = sessions.get(sid);
      if (userId === undefined) return null;
      if (req.headers['x-hold']) {
        heldStarted();
        await held;
      }
      return { userId, sessionId: sid, via: 'cookie' };
    },
  };
  const stores = openSqliteStores({ path: join(dir, 'chat.db'), sessionPruneIntervalMs: 0, writer: 'inline' });
  const host = await startHostApp(stores, { sessionResolver: resolver, userDirectory: { existing: (ids: readonly number[]) => [...ids] } });
  cleanup.push(() => stores.close(), () => host.close());

  const A = 101;
  const B = 202;
  sessions.set('S', A);
  const a1 = await connectClient(host, undefined, { headers: { 'x-sid': 'S' } });
  // A second tab of A reconnects: its lookup reads "A" and is slow.
  const staleTab = new WebSocket(host.wsUrl, { headers: { 'x-sid': 'S', 'x-hold': '1' } });
  const staleFrames: string[] = [];
  staleTab.on('message', (data) => staleFrames.push(JSON.parse(String(data)).type));
  const staleClosed = new Promise<{ code: number; reason: string }>((ok) => staleTab.on('close', (code, reason) => ok({ code, reason: String(reason) })));
  await lookupStarted;
  // On the shared computer A signs out and B signs in, in the same session the host kept.
  sessions.set('S', B);
  const b1 = await connectClient(host, undefined, { headers: { 'x-sid': 'S' } });
  expect((await a1.closed).code).toBe(4401); // documented: A's socket ends at once
  // Now the stale lookup answers.
  release();
  // The stale upgrade completes its handshake and is closed at once: no welcome, 4401.
  const staleEnd = await Promise.race([staleClosed, new Promise<string>((r) => setTimeout(() => r('still open'), 2000))]);
  expect(staleEnd, 'the socket of A whose lookup read the session before B signed in').toEqual({ code: 4401, reason: 'logged out' });
  expect(staleFrames).toEqual([]);
  await new Promise((r) => setTimeout(r, 200));
  const bClosed = await Promise.race([b1.closed, new Promise<undefined>((r) => setTimeout(() => r(undefined), 50))]);
  // B is the one signed in on the session: its socket stays open, and is still served.
  expect(bClosed, `B's socket was closed: ${JSON.stringify(bClosed)}`).toBeUndefined();
  b1.send({ type: 'private', to: B, content: 'still here', client_id: 'still' });
  await b1.next('ack', (f) => f.client_id === 'still');
});

it('an upgrade of the same user that overlaps a sign-in of that user in its session opens as usual', async () => {
  const { held, release, heldStarted, lookupStarted } = heldLookup();
  const resolver: SessionResolver = {
    async resolve(req) {
      if (req.headers['x-hold']) {
        heldStarted();
        await held;
      }
      return { userId: 303, sessionId: 'T', via: 'cookie' };
    },
  };
  const stores = openSqliteStores({ path: join(dir, 'same.db'), sessionPruneIntervalMs: 0, writer: 'inline' });
  const host = await startHostApp(stores, { sessionResolver: resolver, userDirectory: { existing: (ids: readonly number[]) => [...ids] } });
  cleanup.push(() => stores.close(), () => host.close());
  const slow = connectClient(host, undefined, { headers: { 'x-hold': '1' } });
  slow.catch(() => {});
  await lookupStarted;
  const first = await connectClient(host);
  release();
  const second = await slow;
  for (const c of [first, second]) {
    c.send({ type: 'private', to: 303, content: 'note', client_id: `n-${c === first ? 1 : 2}` });
    await c.next('ack');
  }
  const closed = await Promise.race([first.closed, second.closed, new Promise<undefined>((r) => setTimeout(() => r(undefined), 50))]);
  expect(closed).toBeUndefined();
});
