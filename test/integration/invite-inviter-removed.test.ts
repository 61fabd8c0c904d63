/**
 * POST /api/groups/invite by a member removed while the invitation is in
 * flight (contract section 2: 403 "inviter not an accepted member"). The
 * route checks the inviter's membership, then asks the UserDirectory about
 * the invitee (a remote user service, slow for a moment here) and the
 * consent store: the owner removes the member meanwhile. The store's invite
 * asks again inside its own transaction (src/store/domain/invitations.ts),
 * so the invitation is a 403, stored nowhere, and nobody is notified. On a
 * host app over each bundled store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stores } from '../../src/store/types.js';
import { startHostApp, type HostApp } from '../support/host-app.js';
import { freshSqliteStores } from '../support/sqlite-stores.js';
import { freshPostgresStores } from '../support/postgres-stores.js';
import { closeAll } from '../support/server.js';
import { describeWithPostgres } from '../support/services.js';

const [OWNER, MEMBER, INVITEE] = [1, 2, 3];

/** A host directory whose answer about INVITEE waits while a gate is set (`hold()`), until `release()`. */
function slowDirectory() {
  let gate: { asked: () => void; opened: Promise<void> } | null = null;
  return {
    existing: async (ids: readonly number[]) => {
      if (gate && ids.includes(INVITEE)) {
        gate.asked();
        await gate.opened;
      }
      return ids.filter((id) => [OWNER, MEMBER, INVITEE].includes(id));
    },
    /** Holds the next lookups of INVITEE: resolves `asked` when one arrives; `release` lets them through. */
    hold() {
      let release!: () => void;
      let asked!: () => void;
      const wasAsked = new Promise<void>((r) => (asked = r));
      gate = { asked, opened: new Promise<void>((r) => (release = r)) };
      return {
        wasAsked,
        release: () => {
          gate = null;
          release();
        },
      };
    },
  };
}

function removedInviterSuite(name: string, open: () => Promise<{ stores: Stores; cleanup(): Promise<void> }>): void {
  describe(`an invitation in flight when its inviter is removed (${name})`, () => {
    const directory = slowDirectory();
    let host: HostApp;
    let cleanup = async () => {};
    beforeAll(async () => {
      const opened = await open();
      cleanup = opened.cleanup;
      host = await startHostApp(opened.stores, { userDirectory: directory });
    });
    afterAll(async () => {
      await host?.close();
      await cleanup();
      await closeAll(); // last: it removes the temporary folders the stores above live in
    });

    it('is a 403: no invitation stored, no notification', async () => {
      const { body: group } = await host.http.post('/api/groups').set(host.as(OWNER)).send({ name: 'Moderated' }).expect(201);
      await host.http.post('/api/groups/invite').set(host.as(OWNER)).send({ group_id: group.id, user_id: MEMBER }).expect(201);
      await host.http.post(`/api/groups/${group.id}/accept`).set(host.as(MEMBER)).expect(200);

      const held = directory.hold();
      const inviting = host.http.post('/api/groups/invite').set(host.as(MEMBER)).send({ group_id: group.id, user_id: INVITEE }).then((r) => r);
      await held.wasAsked; // the route found MEMBER accepted and now waits for the directory
      await host.http.delete(`/api/groups/${group.id}/members/${MEMBER}`).set(host.as(OWNER)).expect(200);
      held.release();

      const res = await inviting;
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ error: 'forbidden', message: `you are not a member of group ${group.id}` });
      expect((await host.http.get('/api/groups').set(host.as(INVITEE)).expect(200)).body.groups).toEqual([]);
      expect((await host.http.get('/api/notifications').set(host.as(INVITEE)).expect(200)).body.notifications).toEqual([]);
      // The owner, still a member, invites.
      await host.http.post('/api/groups/invite').set(host.as(OWNER)).send({ group_id: group.id, user_id: INVITEE }).expect(201);
    });
  });
}

removedInviterSuite('sqlite', () => freshSqliteStores('parlor-invite-removed'));

await describeWithPostgres('postgres', (url) => {
  removedInviterSuite('postgres', () => freshPostgresStores(url));
});
