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
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { ParlorClient } from '../../src/client/index.js';
import { MAX_CONTENT_CHARS, MIN_FRAME_BYTES } from '../../src/wire-limits.js';
import { closeAll, registerUser, startTestServer, waitFor } from '../support/server.js';

afterEach(closeAll);

const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'acked',
    (err: { code?: string }) => err.code,
  );

/** A ParlorClient signed in with `cookie`, connected and synced; `closed` collects its closed events. */
async function syncedClient(wsUrl: string, cookie: string): Promise<{ client: ParlorClient; closed: unknown[] }> {
  const client = new ParlorClient({ url: wsUrl, createSocket: (url) => new WebSocket(url, { headers: { cookie } }) });
  let synced = false;
  client.on('synced', () => (synced = true));
  const closed: unknown[] = [];
  client.on('closed', (e) => closed.push(e));
  await client.connect();
  await waitFor(() => synced, 3000, 'synced');
  return { client, closed };
}

describe('SDK: a message over the content limit', () => {
  it('rejects that send with too_large and keeps the connection and the other sends', async () => {
    const server = await startTestServer();
    const [a, b] = [await registerUser(server), await registerUser(server)];
    const { client } = await syncedClient(server.wsUrl, a.cookie);

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
    const { client, closed } = await syncedClient(server.wsUrl, a.cookie);

    const padded = outcome(client.sendPrivate(b.id, `hi${'\n'.repeat(70_000)}`));
    const next = outcome(client.sendPrivate(b.id, 'a normal message right after'));
    expect([await padded, await next]).toEqual(['acked', 'acked']);
    expect(closed).toEqual([]);
    expect(client.state).toBe('open');
    const res = await server.http.get(`/api/messages/private?user=${b.id}`).set('cookie', a.cookie).expect(200);
    expect((res.body.messages as Array<{ content: string }>).map((m) => m.content)).toEqual(['a normal message right after', 'hi']);
    client.close();
  });

  // broadcast() once wrote its text as given: a pasted log from an admin closed the socket with 1009, stopped the
  // client for good and rejected the unrelated send queued before it with message_too_big.
  it('refuses an over-long broadcast locally (false, never written) and keeps the connection and the other sends', async () => {
    const server = await startTestServer({ ADMIN_USERS: 'chief_limit' });
    const admin = await registerUser(server, 'chief_limit');
    const bob = await registerUser(server);
    const { client, closed } = await syncedClient(server.wsUrl, admin.cookie);

    const pending = outcome(client.sendPrivate(bob.id, 'queued right after'));
    const pasted = client.broadcast('x'.repeat(70_000));
    const justOver = client.broadcast(`  ${'x'.repeat(MAX_CONTENT_CHARS + 1)}  `);
    expect(await pending).toBe('acked');
    // A broadcast within the limit still goes out after the refused ones, on the same connection.
    const heard: unknown[] = [];
    client.on('broadcast', (f) => heard.push(f.content));
    expect(client.broadcast(`  ${'\u{1F600}'.repeat(MAX_CONTENT_CHARS)}  `)).toBe(true);
    await waitFor(() => heard.length === 1, 3000, 'the broadcast within the limit');
    expect({ pasted, justOver, state: client.state, closed: closed.length, heard }).toEqual({
      pasted: false,
      justOver: false,
      state: 'open',
      closed: 0,
      heard: ['\u{1F600}'.repeat(MAX_CONTENT_CHARS)],
    });
    client.close();
  });

  // MAX_FRAME_BYTES once took any value from 256: at 4096 a valid 1500-character message in Chinese (4.5 kB of
  // UTF-8) closed the socket with 1009 and stopped the client for good.
  it('is never a frame-limit violation within the limit: a server refuses a MAX_FRAME_BYTES under MIN_FRAME_BYTES, and at MIN_FRAME_BYTES takes the largest valid message', async () => {
    const refusedDir = mkdtempSync(join(tmpdir(), 'parlor-test-'));
    try {
      await expect(startTestServer({ MAX_FRAME_BYTES: '4096' }, { dir: refusedDir })).rejects.toThrow(/MAX_FRAME_BYTES/);
    } finally {
      rmSync(refusedDir, { recursive: true, force: true });
    }
    const server = await startTestServer({ MAX_FRAME_BYTES: String(MIN_FRAME_BYTES) });
    const [a, b] = [await registerUser(server), await registerUser(server)];
    const { client } = await syncedClient(server.wsUrl, a.cookie);
    // Control characters are written as \u00XX, 6 bytes each: the most JSON.stringify (the SDK) writes for a character.
    const worst = `x${'\u0001'.repeat(MAX_CONTENT_CHARS - 2)}x`;
    const chinese = outcome(client.sendPrivate(b.id, '漢'.repeat(1500)));
    const largest = outcome(client.sendPrivate(b.id, worst, { clientId: '\u0001'.repeat(64) }));
    expect({ chinese: await chinese, largest: await largest, state: client.state }).toEqual({ chinese: 'acked', largest: 'acked', state: 'open' });
    client.close();
  });
});
