/**
 * protocol.md (Receipts): "`delivered`: a connection of the recipient actually
 * received the frame (its write completed). Once per message". On PostgreSQL
 * the `delivered` mark is batched (delivered-queue.ts) while a `read` marks
 * its range read and delivered at once (domain/receipts.ts): a recipient that
 * reads as soon as it receives can commit the read first, and the mark then
 * finds the message delivered. The read announces what it marked delivered,
 * so each message still gets exactly one `delivered`. (SQLite's one writer
 * keeps the mark before the read.)
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dropSchema, freshSchema } from '../support/postgres.js';
import { closeAll, connectClient, createGroup, registerUsers, startTestServer, waitFor, type TestServer } from '../support/server.js';
import { describeWithPostgres } from '../support/services.js';

await describeWithPostgres('delivered receipts on PostgreSQL when the recipient reads at once', (url) => {
  const schema = freshSchema('rtdel');
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ DATABASE_URL: url, DATABASE_SCHEMA: schema });
  });
  afterAll(async () => {
    await dropSchema(url, schema);
    await closeAll(); // last: it removes the temporary folders the stores above live in
  });

  it('every message a connection of the recipient received gets its delivered receipt', async () => {
    const [alice, bob] = await registerUsers(server, 2);
    await createGroup(server, alice, [bob]); // contacts: receipts flow from the first message
    const a1 = await connectClient(server, alice.cookie);
    const b1 = await connectClient(server, bob.cookie);
    // Bob's app marks each message read as soon as it shows it.
    b1.ws.on('message', (data) => {
      const f = JSON.parse(data.toString());
      if (f.type === 'private') b1.send({ type: 'read', message_id: f.id });
    });
    const n = 40;
    for (let i = 0; i < n; i++) a1.send({ type: 'private', to: bob.id, content: `m${i}`, client_id: `c${i}` });
    await waitFor(() => a1.all('receipt').filter((f) => f.status === 'read').length >= n, 5000, 'every read receipt');
    await new Promise((r) => setTimeout(r, 500));
    expect(b1.all('private')).toHaveLength(n);
    const delivered = a1.all('receipt').filter((f) => f.status === 'delivered').map((f) => f.message_id);
    const acked = a1.all('ack').map((f) => f.id);
    expect([...delivered].sort((x, y) => x - y)).toEqual([...acked].sort((x, y) => x - y)); // each once, none missing
  });
});
