/**
 * The client SDK and the content limit (MAX_CONTENT_CHARS, src/wire-limits.ts).
 *
 * Rule (docs/client.md, send errors): a send whose content is over the limit,
 * counted as the server counts it (characters of the trimmed text), rejects
 * with `too_large` at once and is never queued; the connection and the other
 * sends carry on. It used to be written as is: past the server's frame limit
 * (a pasted 70,000-character log) the server closed the socket with 1009, the
 * client stopped for good and every other waiting send was rejected with
 * `message_too_big`. The same happened to a short text with much whitespace
 * around it (checked trimmed, written untrimmed): it is written trimmed now.
 */
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { ParlorClient } from '../../src/client/index.js';
import { MAX_CONTENT_CHARS } from '../../src/wire-limits.js';
import { closeAll, registerUser, startTestServer, waitFor } from '../support/server.js';

afterEach(closeAll);

const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'acked',
    (err: { code?: string }) => err.code,
  );

describe('SDK: a message over the content limit', () => {
  it('rejects that send with too_large and keeps the connection and the other sends', async () => {
    const server = await startTestServer();
    const [a, b] = [await registerUser(server), await registerUser(server)];
    const client = new ParlorClient({ url: server.wsUrl, createSocket: (url) => new WebSocket(url, { headers: { cookie: a.cookie } }) });
    let synced = false;
    client.on('synced', () => (synced = true));
    await client.connect();
    await waitFor(() => synced, 3000, 'synced');

    const pasted = outcome(client.sendPrivate(b.id, 'x'.repeat(70_000)));
    const justOver = outcome(client.sendPrivate(b.id, 'x'.repeat(MAX_CONTENT_CHARS + 1)));
    const next = outcome(client.sendPrivate(b.id, 'a normal message right after'));
    // At the limit, counted as the server counts: code points of the trimmed text (an emoji is one).
    const atLimit = outcome(client.sendPrivate(b.id, `  ${'\u{1F600}'.repeat(MAX_CONTENT_CHARS)}  `));
    expect(await pasted).toBe('too_large');
    expect(await justOver).toBe('too_large');
    expect(await next).toBe('acked');
    expect(await atLimit).toBe('acked');
    expect(client.state).toBe('open');
    client.close();
  });

  it('writes a text with whitespace around it trimmed: "hi" and 70,000 newlines (a paste) is stored as "hi", and the connection carries on', async () => {
    const server = await startTestServer();
    const [a, b] = [await registerUser(server), await registerUser(server)];
    const client = new ParlorClient({ url: server.wsUrl, createSocket: (url) => new WebSocket(url, { headers: { cookie: a.cookie } }) });
    let synced = false;
    client.on('synced', () => (synced = true));
    const closed: unknown[] = [];
    client.on('closed', (e) => closed.push(e));
    await client.connect();
    await waitFor(() => synced, 3000, 'synced');

    const padded = outcome(client.sendPrivate(b.id, `hi${'\n'.repeat(70_000)}`));
    const next = outcome(client.sendPrivate(b.id, 'a normal message right after'));
    expect([await padded, await next]).toEqual(['acked', 'acked']);
    expect(closed).toEqual([]);
    expect(client.state).toBe('open');
    const res = await server.http.get(`/api/messages/private?user=${b.id}`).set('cookie', a.cookie).expect(200);
    expect((res.body.messages as Array<{ content: string }>).map((m) => m.content)).toEqual(['a normal message right after', 'hi']);
    client.close();
  });
});
