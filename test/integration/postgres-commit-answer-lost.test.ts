/**
 * PostgreSQL commits a message but the answer never arrives (the link dies
 * after COMMIT). The sender gets `internal` and no ack, and resends with
 * the same client_id once PostgreSQL is back (contract section 3). The
 * message is stored once, but it must still reach the online recipient
 * (`private`: "every connection of `to`") and host code must hear of it
 * (`parlor.events` `message` "for every newly stored message"). The Manager
 * remembers such sends (UnconfirmedSends) and routes their first resend.
 * (An invitation whose COMMIT answer was lost is not covered: its retry is a
 * 409 and the invitee is not told; docs/scaling.md.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStores, type PostgresStores } from '../../src/store/postgres/index.js';
import { adminQuery, dropSchema, freshSchema } from '../support/postgres.js';
import { startHostApp, type HostApp } from '../support/host-app.js';
import { closeAll, expectNoFrame } from '../support/server.js';
import { describeWithPostgres } from '../support/services.js';
import { startMuteProxy, type MuteProxy } from '../support/mute-proxy.js';

await describeWithPostgres('PostgreSQL: a write committed whose answer was lost', (url) => {
  describe('a message committed whose answer was lost', () => {
    const schema = freshSchema('lostans');
    let proxy: MuteProxy;
    let stores: PostgresStores;
    let host: HostApp;
    const events: Array<{ message: { id: number } }> = [];

    beforeAll(async () => {
      const target = new URL(url);
      proxy = await startMuteProxy({ host: target.hostname, port: Number(target.port || 5432) });
      stores = await openPostgresStores({
        connectionString: proxy.via(url),
        schema,
        sessionPruneIntervalMs: 0,
        connectionTimeoutMs: 500,
        queryTimeoutMs: 800,
        membershipCacheGroups: 0,
      });
      host = await startHostApp(stores, { userDirectory: { existing: (ids: readonly number[]) => [...ids] } });
      host.parlor.events.on('message', (e: { message: { id: number } }) => events.push(e));
    });
    afterAll(async () => {
      await host?.close();
      await stores?.close();
      await proxy?.close();
      await dropSchema(url, schema);
      await closeAll(); // last: it removes the temporary folders the stores above live in
    });

    it('the resend after the outage is acked with the stored id AND the recipient gets the message live', async () => {
      const a = await host.connect(101);
      const b = await host.connect(102);
      // A first exchange, so both are past any first-contact work.
      a.send({ type: 'private', to: 102, content: 'warm up', client_id: 'w-1' });
      await a.next('ack', (f) => f.client_id === 'w-1');
      await b.next('private', (f) => f.content === 'warm up');

      proxy.mute('parlor_insert_messages');
      a.send({ type: 'private', to: 102, content: 'committed, answer lost', client_id: 'lost-1' });
      const error = await a.next('error', (f) => f.client_id === 'lost-1', 8000);
      expect(error.code).toBe('internal');
      await expectNoFrame(a, 'ack', 100, (f) => f.client_id === 'lost-1');
      // PostgreSQL did store it.
      const rows = await adminQuery<{ id: number }>(url, `SELECT id FROM ${schema}.messages WHERE client_id = 'lost-1'`);
      expect(rows).toHaveLength(1);
      proxy.restore();

      // Back: the client resends with the same client_id, as the contract invites it to.
      a.send({ type: 'private', to: 102, content: 'committed, answer lost', client_id: 'lost-1' });
      const ack = await a.next('ack', (f) => f.client_id === 'lost-1', 8000);
      expect(Number(ack.id)).toBe(Number(rows[0]!.id));
      // The recipient, online all along, must get the message it has never been sent.
      const got = await b.next('private', (f) => f.content === 'committed, answer lost', 2000);
      expect(got.id).toBe(ack.id);
      expect(events.some((e) => e.message.id === ack.id)).toBe(true);
    }, 30_000);

    it('the same for a group message sent over REST: the resend is 201 with the stored id AND the members get it live', async () => {
      await host.connect(201);
      const b = await host.connect(202);
      const group = await stores.groups.createGroup(201, 'lost answers');
      await stores.groups.invite(group.id, 202, 201);
      await stores.groups.respond(group.id, 202, true);
      await host.http.post('/api/messages/group').set(host.as(201)).send({ group_id: group.id, content: 'warm up' }).expect(201);
      await b.next('group', (f) => f.content === 'warm up');

      proxy.mute('parlor_insert_messages');
      const failed = await host.http.post('/api/messages/group').set(host.as(201)).send({ group_id: group.id, content: 'group, answer lost', client_id: 'lost-g' });
      expect(failed.status).toBeGreaterThanOrEqual(500);
      const rows = await adminQuery<{ id: number }>(url, `SELECT id FROM ${schema}.messages WHERE client_id = 'lost-g'`);
      expect(rows).toHaveLength(1);
      proxy.restore();

      const resent = await host.http.post('/api/messages/group').set(host.as(201)).send({ group_id: group.id, content: 'group, answer lost', client_id: 'lost-g' });
      expect(resent.status).toBe(201);
      expect(resent.body.id).toBe(Number(rows[0]!.id));
      const got = await b.next('group', (f) => f.content === 'group, answer lost', 2000);
      expect(got.id).toBe(resent.body.id);
    }, 30_000);
  });
});
