/**
 * The standalone server on PostgreSQL: messages one socket sends back to back
 * are stored (ack ids), acked and delivered in the order they were sent, as on
 * SQLite (docs/scaling.md, "Differences from SQLite": none visible through
 * the contract). Each group is new, so its members are in no cache: every
 * message starts its own member lookup, and those answer from the pool in any
 * order (ArrivalOrder keeps the hand-over to the insert queue in order; the
 * lookups of one group already under way are joined, MembershipCache).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema, freshSchema } from '../support/postgres.js';
import { closeAll, connectClient, createGroup, registerUsers, startTestServer, type TestServer } from '../support/server.js';
import { describeWithPostgres } from '../support/services.js';

await describeWithPostgres('standalone server on PostgreSQL', (url) => {
  describe('a burst of frames from one socket', () => {
    const schema = freshSchema('sendorder');
    let server: TestServer;
    beforeAll(async () => {
      // A burst of 36 frames, and the group setup before it, under the rate limit without waiting.
      server = await startTestServer({ DATABASE_URL: url, DATABASE_SCHEMA: schema, WS_RATE_LIMIT: '1000', WS_RATE_BURST: '1000' });
    });
    afterAll(async () => {
      await dropSchema(url, schema);
      await closeAll(); // last: it removes the temporary folders the stores above live in
    });

    it('group and private messages keep the order they were sent in: ack ids grow, the recipient gets them in that order', async () => {
      const [alice, bob] = await registerUsers(server, 2);
      const groups = [];
      for (let round = 0; round < 3; round++) groups.push(await createGroup(server, alice, [bob], [], `order-${round}`));
      const [a, b] = [await connectClient(server, alice.cookie), await connectClient(server, bob.cookie)];

      const sent: string[] = [];
      const sentAs = { group: [] as string[], private: [] as string[] };
      for (const [round, groupId] of groups.entries()) {
        for (let i = 0; i < 12; i++) {
          const content = `g${round}-m${String(i).padStart(2, '0')}`;
          sent.push(content);
          // Every fourth one private, to the same recipient: one order across both kinds.
          const type = i % 4 === 3 ? 'private' : 'group';
          sentAs[type].push(content);
          a.send(type === 'private' ? { type, to: bob.id, content, client_id: content } : { type, group_id: groupId, content, client_id: content });
        }
      }
      const ackIds: number[] = [];
      for (const content of sent) ackIds.push((await a.next('ack', (f) => f.client_id === content, 5000)).id);
      expect(ackIds).toEqual([...ackIds].sort((x, y) => x - y));

      // Each kind's frames reach the recipient in the order they were sent, and their ids follow it across both kinds.
      await b.next('group', (f) => f.content === sentAs.group.at(-1), 5000);
      await b.next('private', (f) => f.content === sentAs.private.at(-1), 5000);
      expect(b.all('group').map((f) => f.content)).toEqual(sentAs.group);
      expect(b.all('private').map((f) => f.content)).toEqual(sentAs.private);
      expect([...b.all('group'), ...b.all('private')].sort((x, y) => x.id - y.id).map((f) => f.content)).toEqual(sent);
    });
  });
});
