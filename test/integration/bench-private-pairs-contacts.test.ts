/**
 * The benchmark's private pairs are contacts, as a real conversation is
 * (bench/adapters/parlor.mjs acceptPairs): each recipient writes once to its
 * sender during set-up, so the sender gets the `delivered` receipt of every
 * message it sends. Before, the pairs were strangers (a message request:
 * contract section 6, no `delivered` to the stranger until the reply), and
 * every private-message figure measured Parlor without its receipts.
 */
import WebSocket from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: the benchmark's adapter is plain JavaScript without types
import { createAdapter } from '../../bench/adapters/parlor.mjs';
import { closeAll, startTestServer } from '../support/server.js';

afterAll(closeAll);

/** The frame types the sender of one private message receives within 1 s of sending it. */
async function senderSees(url: string, sender: { cookie: string }, recipient: { id: number; cookie: string }): Promise<string[]> {
  const wsUrl = `${url.replace('http', 'ws')}/ws`;
  const open = (cookie: string) =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(wsUrl, { headers: { cookie, origin: url } });
      ws.once('message', () => resolve(ws)); // welcome
      ws.once('error', reject);
    });
  const from = await open(sender.cookie);
  const to = await open(recipient.cookie);
  const types: string[] = [];
  from.on('message', (data) => types.push(JSON.parse(data.toString()).type));
  from.send(JSON.stringify({ type: 'private', to: recipient.id, content: 'measured', client_id: 'bench-pair-1' }));
  await new Promise((r) => setTimeout(r, 1000));
  from.close();
  to.close();
  return types;
}

describe('bench: the private pairs', () => {
  it('get delivered receipts once acceptPairs made them contacts, and none as strangers', async () => {
    const server = await startTestServer();
    const adapter = createAdapter({ url: server.url });
    const strangers = await adapter.prepareUsers(2);
    expect(await senderSees(server.url, strangers[0], strangers[1])).not.toContain('receipt');
    const pair = await adapter.prepareUsers(2);
    await adapter.acceptPairs(pair);
    expect(await senderSees(server.url, pair[0], pair[1])).toEqual(expect.arrayContaining(['ack', 'receipt']));
  });
});
