/**
 * The client SDK's `read` marks after a catch-up.
 *
 * Rule (docs/client.md, Delivery guarantees): a newer mark of a conversation
 * replaces one still queued, and queued messages are written before queued
 * marks. An app that marks each message of the open conversation read as it
 * arrives (the demo does) used to queue one `read` frame per replayed
 * message, all written after `synced` at the pacer's 15 a second, ahead of a
 * reply made right then: 400 missed messages held it for about 25 s.
 */
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { ParlorClient } from '../../src/client/index.js';
import { closeAll, registerUser, startTestServer, waitFor } from '../support/server.js';

afterEach(closeAll);

describe('SDK: read marks made during a catch-up replay', () => {
  it('leave as one read frame for the conversation, and the reply made after synced is stored', async () => {
    // Limits high enough for bob's HTTP sends; the client paces itself under the defaults all the same.
    const server = await startTestServer({ WS_RATE_LIMIT: '100000', WS_RATE_BURST: '100000' });
    const [alice, bob] = [await registerUser(server), await registerUser(server)];
    // Bob wrote 100 messages while alice was away (over the pacer's burst of 30).
    for (let i = 0; i < 100; i++) {
      await server.http.post('/api/messages/private').set('cookie', bob.cookie).send({ to: alice.id, content: `missed ${i}` }).expect(201);
    }
    const written: Array<{ type: string; message_id?: number }> = [];
    const client = new ParlorClient({
      url: server.wsUrl,
      createSocket: (url) => {
        const socket = new WebSocket(url, { headers: { cookie: alice.cookie } });
        const send = socket.send.bind(socket);
        socket.send = ((data: string) => {
          written.push(JSON.parse(data) as { type: string; message_id?: number });
          send(data);
        }) as typeof socket.send;
        return socket;
      },
    });
    const shown: number[] = [];
    let synced = false;
    // The conversation with bob is open: each message shown is marked read.
    client.on('private', (m) => {
      shown.push(m.id);
      client.markRead(m.id);
    });
    client.on('synced', () => (synced = true));
    await client.connect();
    await waitFor(() => synced, 10_000, 'synced');
    expect(shown).toHaveLength(100);

    const ack = await client.sendPrivate(bob.id, 'sorry, I was away');
    expect(ack.id).toBeGreaterThan(shown.at(-1)!);
    expect(written.filter((f) => f.type === 'read')).toEqual([{ type: 'read', message_id: shown.at(-1) }]);
    // The one mark covers the earlier messages: bob's conversation has nothing unread for alice.
    const res = await server.http.get('/api/conversations').set('cookie', alice.cookie).expect(200);
    expect(res.body.conversations).toEqual([expect.objectContaining({ kind: 'private', user_id: bob.id, unread: 0 })]);
    client.close();
  }, 20_000);
});
