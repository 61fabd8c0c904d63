/**
 * A send the server refuses with `rate_limited` because the
 * sender used up NEW_CONVERSATIONS_PER_DAY ("refused with rate_limited, nothing
 * stored", README/docs/contract.md) is not a frame dropped by the frame limit.
 * The SDK once requeued every `rate_limited` that named a client_id: the send
 * never settled, it was rewritten for ever, and the pacer it slowed down starved
 * every send queued behind it. Now it is written again for ackTimeoutMs at
 * most, then rejected with `rate_limited`.
 */
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { ParlorClient } from '../../src/client/index.js';
import { closeAll, registerUser, startTestServer } from '../support/server.js';

afterEach(closeAll);

describe('SDK and the NEW_CONVERSATIONS_PER_DAY refusal', () => {
  it('settles the refused send (rejects) instead of resending it forever, and later sends still go out', async () => {
    const server = await startTestServer({ NEW_CONVERSATIONS_PER_DAY: '1' });
    const [alice, bob, carol] = [await registerUser(server), await registerUser(server), await registerUser(server)];
    const written: string[] = [];
    const client = new ParlorClient({
      url: server.wsUrl,
      createSocket: (url) => {
        const ws = new WebSocket(url, { headers: { cookie: alice.cookie } });
        const send = ws.send.bind(ws);
        ws.send = ((data: string) => {
          written.push(data);
          send(data);
        }) as typeof ws.send;
        return ws;
      },
      ackTimeoutMs: 2000,
    });
    await client.connect();
    await client.sendPrivate(bob.id, 'first stranger: allowed');

    let settled: unknown = 'pending';
    client.sendPrivate(carol.id, 'second stranger: over the daily budget').then(
      () => (settled = 'acked'),
      (err: { code?: string }) => (settled = err.code),
    );
    // ackTimeoutMs (2 s) plus margin: the send must have settled one way or another.
    await new Promise((r) => setTimeout(r, 5000));
    const writesToCarol = written.filter((f) => f.includes(`"to":${carol.id}`)).length;
    // Written again while the refusal could be the frame limit's (ackTimeoutMs), paced, then failed.
    expect(settled).toBe('rate_limited');
    expect(writesToCarol).toBeGreaterThanOrEqual(1);
    expect(writesToCarol).toBeLessThan(20);

    // A reply in the conversation under way is not counted against the budget: it must still be acked promptly.
    const reply = await Promise.race([
      client.sendPrivate(bob.id, 'still talking to bob').then(() => 'acked', (err: { code?: string }) => err.code),
      new Promise((r) => setTimeout(() => r('still pending after 5 s'), 5000)),
    ]);
    expect(reply).toBe('acked');
    client.close();
  }, 20_000);
});
