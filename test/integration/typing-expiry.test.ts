import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, connectClient, registerUser, startTestServer, type TestServer } from '../support/server.js';

describe('typing expiry on a real server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({}, { manager: { typingTimeoutMs: 150 } });
  });
  afterAll(closeAll);

  it('sends is_typing false by itself after the timeout, and at once when the typist sends', async () => {
    const alice = await registerUser(server);
    const bob = await registerUser(server);
    // Typing passes between contacts: both have written in the conversation (contract section 6).
    await server.http.post('/api/messages/private').set('cookie', alice.cookie).send({ to: bob.id, content: 'hi' }).expect(201);
    await server.http.post('/api/messages/private').set('cookie', bob.cookie).send({ to: alice.id, content: 'hello' }).expect(201);
    const a = await connectClient(server, alice.cookie);
    const b = await connectClient(server, bob.cookie);

    a.send({ type: 'typing', to: bob.id });
    expect(await b.next('typing')).toEqual({ type: 'typing', from: alice.id, to: bob.id, is_typing: true });
    const started = Date.now();
    expect(await b.next('typing')).toEqual({ type: 'typing', from: alice.id, to: bob.id, is_typing: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);

    a.send({ type: 'typing', to: bob.id });
    await b.next('typing', (f) => f.is_typing === true);
    a.send({ type: 'private', to: bob.id, content: 'done typing' });
    await b.next('private');
    const stopped = await b.next('typing', (f) => f.is_typing === false, 100);
    expect(stopped.from).toBe(alice.id);
  });
});
