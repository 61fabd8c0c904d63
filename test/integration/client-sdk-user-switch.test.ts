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
 */
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { ParlorClient } from '../../src/client/index.js';
import { closeAll, registerUser, startTestServer, waitFor } from '../support/server.js';

afterEach(closeAll);

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
