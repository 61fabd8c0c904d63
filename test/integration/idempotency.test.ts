import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, connectClient, registerUser, startTestServer, type TestServer, type TestUser } from '../support/server.js';

/** The same client_id from the same sender stores one message, however the copies arrive. */
describe('idempotent sends racing each other', () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  beforeAll(async () => {
    server = await startTestServer();
    alice = await registerUser(server);
    bob = await registerUser(server);
  });
  afterAll(closeAll);

  const history = async () =>
    (await server.http.get(`/api/messages/private?user=${bob.id}&limit=100`).set('cookie', alice.cookie).expect(200)).body.messages;

  it('two connections sending the same client_id at once get the same id, one row, one delivery', async () => {
    const [one, two] = await Promise.all([connectClient(server, alice.cookie), connectClient(server, alice.cookie)]);
    const recipient = await connectClient(server, bob.cookie);
    const before = (await history()).length;
    const frame = { type: 'private', to: bob.id, content: 'exactly once', client_id: 'race-1' };
    one.send(frame);
    two.send(frame);
    const [a, b] = await Promise.all([one.next('ack'), two.next('ack')]);
    expect(a.id).toBe(b.id);
    const rows = (await history()).filter((m: { content: string }) => m.content === 'exactly once');
    expect(rows).toHaveLength(1);
    expect((await history()).length).toBe(before + 1);
    const delivered = await recipient.next('private', (f) => f.id === a.id);
    expect(delivered.content).toBe('exactly once');
    await new Promise((r) => setTimeout(r, 100));
    expect(recipient.all('private').filter((f) => f.id === a.id)).toHaveLength(1);
  });

  it('a WebSocket send and a REST send with the same client_id store one message', async () => {
    const ws = await connectClient(server, alice.cookie);
    const body = { to: bob.id, content: 'ws or rest', client_id: 'race-2' };
    ws.send({ type: 'private', ...body });
    const [rest, ack] = await Promise.all([
      server.http.post('/api/messages/private').set('cookie', alice.cookie).send(body).expect(201),
      ws.next('ack', (f) => f.client_id === 'race-2'),
    ]);
    expect(rest.body.id).toBe(ack.id);
    expect((await history()).filter((m: { content: string }) => m.content === 'ws or rest')).toHaveLength(1);
  });

  it('the same client_id from another sender is another message', async () => {
    const fromAlice = await server.http.post('/api/messages/private').set('cookie', alice.cookie).send({ to: bob.id, content: 'mine', client_id: 'shared' }).expect(201);
    const fromBob = await server.http.post('/api/messages/private').set('cookie', bob.cookie).send({ to: alice.id, content: 'mine too', client_id: 'shared' }).expect(201);
    expect(fromBob.body.id).not.toBe(fromAlice.body.id);
    expect(fromBob.body.from).toBe(bob.id);
  });

  it('a client_id with a lone surrogate is refused over WebSocket and HTTP, nothing stored (a store would keep U+FFFD: two such ids would be one key)', async () => {
    const ws = await connectClient(server, alice.cookie);
    const before = (await history()).length;
    ws.send({ type: 'private', to: bob.id, content: 'half an emoji', client_id: 'id-\ud83d' });
    expect(await ws.next('error')).toMatchObject({ code: 'bad_request', client_id: 'id-\ud83d' });
    const rest = await server.http.post('/api/messages/private').set('cookie', alice.cookie).send({ to: bob.id, content: 'half an emoji', client_id: 'id-\ude00' });
    expect(rest.status).toBe(400);
    expect(rest.body.error).toBe('bad_request');
    expect((await history()).length).toBe(before);
  });
});
