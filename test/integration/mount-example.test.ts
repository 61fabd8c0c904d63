import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../examples/mount-into-express.js';
import {
  closeAll,
  connectClient,
  createGroup,
  registerUser,
  targetOf,
  tempDir,
  type HttpTarget,
  type TestUser,
} from '../support/server.js';

/** Runs the README's "mount into your Express app" example itself, not a copy of it. */
describe('examples/mount-into-express.ts', () => {
  let app: Awaited<ReturnType<typeof main>>;
  let target: HttpTarget;
  let closed = false;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    app = await main({ port: 0, sqlitePath: join(tempDir(), 'data', 'parlor.db'), passwordHashCost: 10 });
    target = targetOf(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`);
  });
  afterAll(async () => {
    if (app && !closed) await app.close();
    await closeAll();
  });

  it('keeps the host app\'s own routes', async () => {
    expect((await target.http.get('/hello').expect(200)).body).toEqual({ hello: 'from the host app' });
  });

  it('serves /healthz and /metrics through parlor.opsRouter, as its comment and the README say', async () => {
    expect((await target.http.get('/healthz').expect(200)).body).toEqual({ status: 'ok' });
    expect((await target.http.get('/metrics').expect(200)).text).toContain('# TYPE');
  });

  it('serves Parlor\'s routes: two users register and exchange private and group messages over real sockets', async () => {
    // The example keeps the default password hashing cost (~0.35 s a hash, more on a busy machine): two users only.
    [alice, bob] = await Promise.all([registerUser(target, 'alice'), registerUser(target, 'bob')]);
    const [a, b] = await Promise.all([connectClient(target, alice.cookie), connectClient(target, bob.cookie)]);
    expect(a.frames[0]).toMatchObject({ type: 'welcome', user_id: alice.id });

    // Bob writes first, so Alice's message to him is no request: his socket reports `delivered` (contract section 6).
    b.send({ type: 'private', to: alice.id, content: 'hi alice', client_id: 'm-0' });
    const hello = await b.next('ack');
    await a.next('private');
    a.send({ type: 'private', to: bob.id, content: 'hi bob', client_id: 'm-1' });
    const ack = await a.next('ack');
    expect(ack).toMatchObject({ client_id: 'm-1', id: expect.any(Number) });
    expect(await b.next('private')).toEqual({ type: 'private', id: ack.id, from: alice.id, to: bob.id, content: 'hi bob', timestamp: ack.timestamp });
    expect(await a.next('receipt')).toMatchObject({ message_id: ack.id, status: 'delivered', user_id: bob.id });

    const groupId = await createGroup(target, alice, [bob], [], 'mounted');
    b.send({ type: 'group', group_id: groupId, content: 'hi group' });
    expect(await a.next('group')).toMatchObject({ from: bob.id, group_id: groupId, content: 'hi group' });

    const history = await target.http.get(`/api/messages/private?user=${alice.id}`).set('cookie', bob.cookie).expect(200);
    expect(history.body.messages.map((m: { id: number }) => m.id).sort((x: number, y: number) => x - y)).toEqual([hello.id, ack.id]);
  });

  it('lets the host reach a user: POST /hooks/ping/:userId stores a notification and sends it live', async () => {
    const socket = await connectClient(target, bob.cookie);
    const res = await target.http.post(`/hooks/ping/${bob.id}`).expect(201);
    expect(res.body).toEqual({ id: expect.any(Number), subtype: 'ping', message: 'Someone pinged you', timestamp: expect.any(Number) });
    expect(await socket.next('notification')).toEqual({ type: 'notification', ...res.body });
    const stored = await target.http.get('/api/notifications').set('cookie', bob.cookie).expect(200);
    expect(stored.body.notifications[0]).toMatchObject({ id: res.body.id, subtype: 'ping', read: false });
  });

  it('makes the configured admin (alice) an admin, and nobody else', async () => {
    const socket = await connectClient(target, bob.cookie);
    const res = await target.http.post('/api/broadcast').set('cookie', alice.cookie).send({ content: 'hello all' }).expect(202);
    expect(res.body.delivered).toBeGreaterThanOrEqual(1);
    expect(await socket.next('broadcast')).toMatchObject({ from: alice.id, content: 'hello all' });
    await target.http.post('/api/broadcast').set('cookie', bob.cookie).send({ content: 'me too' }).expect(403);
  });

  it('closes: open sockets get 1001', async () => {
    const socket = await connectClient(target, alice.cookie);
    await app.close();
    closed = true;
    expect((await socket.closed).code).toBe(1001);
  });
});
