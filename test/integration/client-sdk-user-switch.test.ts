/**
 * The client SDK when another user signs in on the same page while it is
 * reconnecting, and the app calls `connect()` on the same client.
 *
 * Rule (docs/client.md, "Reconnection policy"): nothing the last user queued
 * is written as the new user. Once the client has had a user, its outbox
 * waits for the next connection's `welcome`; a `welcome` naming another user
 * rejects the waiting sends with `user_changed` and drops the queued read
 * marks. It used to write the outbox at the socket's open, before the
 * `welcome` was read: the last user's message was stored as the new user's.
 *
 * And while it is open (docs/client.md, API): `connect()` closes the open
 * socket and opens a new one, whose `welcome` says who is signed in now. It
 * used to resolve with the last user's `welcome` and keep the last user's
 * socket, whose live messages then reached the new user's page. The new
 * user starts from 0, not from the `since` option (the first user's stored
 * position).
 *
 * The browser example of docs/client.md keeps `lastSeenId` per user; the
 * last test runs it on one browser for two users.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { ParlorClient, type PrivateMessage } from '../../src/client/index.js';
import { openSqliteStores } from '../../src/store/sqlite/index.js';
import type { SessionResolver } from '../../src/websocket/session-resolver.js';
import { startHostApp } from '../support/host-app.js';
import { closeAll, registerUser, startTestServer, waitFor } from '../support/server.js';

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  await closeAll();
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

describe('SDK: another user signs in on the same client while it is reconnecting', () => {
  it("rejects the last user's queued send with user_changed instead of storing it as the new user's", async () => {
    const server = await startTestServer();
    const [alice, bob, carol] = [await registerUser(server), await registerUser(server), await registerUser(server)];
    let cookie = alice.cookie;
    let offline = false;
    let current: WebSocket | undefined;
    const client = new ParlorClient({
      url: server.wsUrl,
      reconnectBaseMs: 50,
      reconnectMaxMs: 100,
      createSocket: (url) => {
        if (offline) throw new Error('network is down');
        current = new WebSocket(url, { headers: { cookie } });
        return current;
      },
    });
    await client.connect();
    expect(client.userId).toBe(alice.id);

    // The network goes: the client keeps retrying. Alice writes to carol meanwhile (queued).
    offline = true;
    current!.terminate();
    await waitFor(() => client.state === 'reconnecting', 3000, 'reconnecting');
    const aliceSend = client.sendPrivate(carol.id, 'written by alice').then(
      () => 'acked',
      (err: { code?: string }) => err.code,
    );

    // Alice signs out and bob signs in on this page; the app calls connect().
    cookie = bob.cookie;
    offline = false;
    await client.connect();
    await waitFor(() => client.userId === bob.id, 3000, 'bob connected');
    expect(await aliceSend).toBe('user_changed');
    expect(client.pending).toBe(0);
    await new Promise((r) => setTimeout(r, 300));

    const res = await server.http.get(`/api/messages/private?user=${carol.id}&limit=100`).set('cookie', bob.cookie).expect(200);
    const asBob = (res.body.messages as Array<{ from: number; content: string }>).filter((m) => m.from === bob.id);
    expect(asBob.map((m) => m.content)).toEqual([]);

    // Bob's own sends go as bob.
    const ack = await client.sendPrivate(carol.id, 'written by bob');
    expect(ack.id).toBeGreaterThan(0);
    client.close();
  });
});

describe('SDK: another user signs in with the session the host kept, while the client is open', () => {
  it("connect() opens a socket as the new user: the last user's messages stop reaching the page, the new user's missed ones arrive", async () => {
    const [ALICE, BOB, CAROL] = [1, 2, 3];
    const dir = mkdtempSync(join(tmpdir(), 'parlor-sdk-switch-'));
    const stores = openSqliteStores({ path: join(dir, 'chat.db'), sessionPruneIntervalMs: 0, writer: 'inline' });
    // The host's sessions: s1 is the page's, whose user the host's login changes.
    const sessions = new Map<string, number>([['s1', ALICE], ['s3', CAROL]]);
    const resolver: SessionResolver = {
      resolve(req) {
        const sid = /(?:^|;\s*)sid=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
        const userId = sid === undefined ? undefined : sessions.get(sid);
        return userId === undefined ? null : { userId, sessionId: sid, via: 'cookie' };
      },
    };
    const host = await startHostApp(stores, {
      sessionResolver: resolver,
      userDirectory: { existing: (ids) => ids.filter((id) => [ALICE, BOB, CAROL].includes(id)) },
    });
    cleanup.push(async () => {
      await host.close();
      await stores.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const carolSends = (to: number, content: string) =>
      host.http.post('/api/messages/private').set({ cookie: 'sid=s3', origin: host.url }).send({ to, content }).expect(201);
    await carolSends(BOB, 'for bob, while bob is away'); // a lower id than alice's position below
    const { body: forAlice } = await carolSends(ALICE, 'for alice, already seen on this page');

    const client = new ParlorClient({
      url: host.wsUrl,
      since: forAlice.id as number, // alice's stored position
      createSocket: (url) => new WebSocket(url, { headers: { cookie: 'sid=s1', origin: host.url } }),
    });
    const shown: PrivateMessage[] = [];
    client.on('private', (m) => shown.push(m));
    await client.connect();
    expect(client.userId).toBe(ALICE);

    // Alice leaves; bob signs in on the same page (the host keeps the session) and the app calls connect().
    sessions.set('s1', BOB);
    const welcome = await client.connect();
    expect(welcome.user_id).toBe(BOB);
    await waitFor(() => client.userId === BOB, 3000, 'bob connected');
    await waitFor(() => shown.length === 1, 3000, "bob's missed message");
    expect(shown.map((m) => m.content)).toEqual(['for bob, while bob is away']);

    // Carol writes to alice, then to bob: only bob's reaches the page, which is bob's now.
    await carolSends(ALICE, 'for alice only');
    await carolSends(BOB, 'for bob, live');
    await waitFor(() => shown.length === 2, 3000, "bob's live message");
    expect(shown.map((m) => m.content)).toEqual(['for bob, while bob is away', 'for bob, live']);
    client.close();
  });

  it("docs/client.md's browser example, lastSeenId kept per user: the second user on the browser is handed what was sent to them while away", async () => {
    const server = await startTestServer();
    const [alice, bob, carol] = [await registerUser(server), await registerUser(server), await registerUser(server)];
    const send = (to: number, content: string) =>
      server.http.post('/api/messages/private').set('cookie', carol.cookie).send({ to, content }).expect(201);
    await send(bob.id, 'for bob, while bob is away'); // the lower id
    await send(alice.id, 'for alice'); // a higher id

    const localStorage = new Map<string, string>(); // one browser
    // The page as docs/client.md writes it, for the user the page knows is signed in.
    const page = async (user: { id: number; cookie: string }) => {
      const key = `lastSeenId:${user.id}`;
      const client = new ParlorClient({
        url: server.wsUrl,
        since: Number(localStorage.get(key) ?? 0),
        createSocket: (url) => new WebSocket(url, { headers: { cookie: user.cookie } }),
      });
      const shown: PrivateMessage[] = [];
      let synced = false;
      client.on('private', (m) => shown.push(m));
      client.on('synced', () => {
        localStorage.set(`lastSeenId:${client.userId}`, String(client.lastSeenId));
        synced = true;
      });
      await client.connect();
      await waitFor(() => synced, 3000, 'synced');
      return { client, shown };
    };
    const alicePage = await page(alice);
    expect(alicePage.shown.map((m) => m.content)).toEqual(['for alice']);
    alicePage.client.close(); // alice signs out; bob signs in on the same browser and the page loads again
    const bobPage = await page(bob);
    expect(bobPage.shown.map((m) => m.content)).toEqual(['for bob, while bob is away']);
    bobPage.client.close();
    // Alice again: from where she stopped.
    await send(alice.id, 'for alice, later');
    const aliceAgain = await page(alice);
    expect(aliceAgain.shown.map((m) => m.content)).toEqual(['for alice, later']);
    aliceAgain.client.close();
  });
});
