/**
 * Parlor's HTTP writes and `parlor.close()` (beyond the sends, which
 * http-send-during-shutdown.test.ts covers): a request under way when the
 * host calls close() is waited for, so it neither loses its notification (the
 * broker closed under it) nor writes after the host closed the stores; a
 * write that arrives once close() began is refused with 503 `unavailable`
 * (contract section 2's error body) and changes nothing. Reads still answer.
 * Real HTTP on a host app over a real SQLite file.
 */
import { request } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import type { SqliteStores } from '../../src/store/sqlite/index.js';
import { holdCalls } from '../support/hold-calls.js';
import { startHostApp, type HostApp } from '../support/host-app.js';
import { closeAll, registerUser, startTestServer } from '../support/server.js';
import { freshSqliteStores } from '../support/sqlite-stores.js';

const [OWNER, MEMBER, INVITEE] = [1, 2, 3];
const UNAVAILABLE = { error: 'unavailable', message: expect.stringMatching(/shutting down/) };

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
  await closeAll();
});

/** A host app (header sign-in, users 1-3 in its directory) over Parlor's own groups on a fresh SQLite file. */
async function openHost(): Promise<{ host: HostApp; stores: SqliteStores }> {
  const { stores, cleanup } = await freshSqliteStores('http-writes-during-close');
  const host = await startHostApp(stores, { userDirectory: { existing: (ids) => ids.filter((id) => id >= OWNER && id <= INVITEE) } });
  cleanups.push(async () => {
    await host.close();
    await cleanup();
  });
  return { host, stores };
}

describe('Parlor HTTP writes and parlor.close()', () => {
  it('waits for an invitation under way: answered 201 with its notification routed, before close() resolves and the host closes the stores', async () => {
    const { host, stores } = await openHost();
    const { body: group } = await host.http.post('/api/groups').set(host.as(OWNER)).send({ name: 'Team' }).expect(201);
    const invitee = await host.connect(INVITEE);

    // The invitation's store write, held until the test lets it go.
    const { reached, release } = holdCalls(stores.groups, 'invite');
    const inviting = host.http.post('/api/groups/invite').set(host.as(OWNER)).send({ group_id: group.id, user_id: INVITEE }).then((r) => r);
    await reached;

    // The host's shutdown: Parlor first, then the stores it owns.
    let parlorClosed = false;
    const stopping = host.parlor.close().then(async () => {
      parlorClosed = true;
      await stores.close();
    });

    // A write that arrives now is refused and does nothing.
    const late = await host.http.post('/api/groups').set(host.as(OWNER)).send({ name: 'Late' });
    expect(late.status).toBe(503);
    expect(late.body).toEqual(UNAVAILABLE);
    expect((await stores.groups.groupsOf(OWNER)).map((g) => g.name)).toEqual(['Team']);
    expect(parlorClosed, 'close() waits for the invitation under way').toBe(false);

    release();
    const res = await inviting;
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ group_id: group.id, user_id: INVITEE, status: 'invited' });
    expect(await invitee.next('notification', (n) => n.subtype === 'group_invite')).toMatchObject({ group_id: group.id, from: OWNER });
    await stopping;
    expect((await invitee.closed).code, 'sockets closed after the write').toBe(1001);
  });

  it('waits for a write whose client hung up mid-way: its handler still runs, and close() resolves only after it', async () => {
    const { host, stores } = await openHost();
    const { reached, release } = holdCalls(stores.groups, 'createGroup');
    const body = JSON.stringify({ name: 'Abandoned' });
    const req = request(`${host.url}/api/groups`, { method: 'POST', headers: { ...host.as(OWNER), 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
    req.on('error', () => {}); // destroyed below
    req.end(body);
    await reached;
    req.destroy(); // the client is gone; the route still holds its store call

    let parlorClosed = false;
    const stopping = host.parlor.close().then(() => (parlorClosed = true));
    // Round trips on the server's own loop while the write is held: close() is still waiting.
    expect((await host.http.get('/api/groups').set(host.as(OWNER))).status).toBe(200);
    expect(parlorClosed, 'close() waits for the abandoned request').toBe(false);

    release();
    await stopping;
    expect((await stores.groups.groupsOf(OWNER)).map((g) => g.name), 'written before close() resolved').toEqual(['Abandoned']);
  });

  it('refuses every write route once close() began (503, nothing changed), while reads still answer', async () => {
    const { host, stores } = await openHost();
    const { body: group } = await host.http.post('/api/groups').set(host.as(OWNER)).send({ name: 'Team' }).expect(201);
    await host.http.post('/api/groups/invite').set(host.as(OWNER)).send({ group_id: group.id, user_id: MEMBER }).expect(201);
    await host.http.post('/api/groups/invite').set(host.as(OWNER)).send({ group_id: group.id, user_id: INVITEE }).expect(201);
    await host.parlor.close();

    const writes = {
      create: host.http.post('/api/groups').set(host.as(OWNER)).send({ name: 'Late' }),
      invite: host.http.post('/api/groups/invite').set(host.as(MEMBER)).send({ group_id: group.id, user_id: OWNER }),
      accept: host.http.post(`/api/groups/${group.id}/accept`).set(host.as(MEMBER)),
      decline: host.http.post(`/api/groups/${group.id}/decline`).set(host.as(INVITEE)),
      leave: host.http.post(`/api/groups/${group.id}/leave`).set(host.as(OWNER)),
      remove: host.http.delete(`/api/groups/${group.id}/members/${MEMBER}`).set(host.as(OWNER)),
      block: host.http.post(`/api/users/${OWNER}/block`).set(host.as(MEMBER)),
      readMarks: host.http.post('/api/notifications/read').set(host.as(MEMBER)).send({}),
      send: host.http.post('/api/messages/private').set(host.as(OWNER)).send({ to: MEMBER, content: 'late' }),
    };
    for (const [route, pending] of Object.entries(writes)) {
      const res = await pending;
      expect({ route, status: res.status, body: res.body }).toEqual({ route, status: 503, body: UNAVAILABLE });
    }

    // Nothing changed: the stores as before close(), read directly and through Parlor's GET routes.
    expect(await stores.groups.groupsOf(OWNER)).toEqual([{ id: group.id, name: 'Team', status: 'accepted' }]);
    expect(await stores.groups.memberStatus(group.id, MEMBER)).toBe('invited');
    expect(await stores.groups.memberStatus(group.id, INVITEE)).toBe('invited');
    expect((await host.http.get('/api/notifications').set(host.as(MEMBER)).expect(200)).body.unread).toBe(1);
    expect((await host.http.get('/api/users/blocked').set(host.as(MEMBER)).expect(200)).body).toMatchObject({ users: [] });
    expect((await host.http.get(`/api/messages/private?user=${MEMBER}`).set(host.as(OWNER)).expect(200)).body.messages).toEqual([]);
  });

  it("refuses Parlor's own account writes (register, login, logout) once close() began", async () => {
    const server = await startTestServer();
    const early = await registerUser(server, 'early');
    await server.parlor.close();

    const register = await server.http.post('/api/auth/register').send({ username: 'late', password: 'password-123' });
    expect([register.status, register.body]).toEqual([503, UNAVAILABLE]);
    expect(await server.stores.users.findByUsername('late')).toBeFalsy();
    const loginRes = await server.http.post('/api/auth/login').send({ username: early.username, password: early.password });
    expect([loginRes.status, loginRes.body]).toEqual([503, UNAVAILABLE]);
    const logout = await server.http.post('/api/auth/logout').set('cookie', early.cookie);
    expect([logout.status, logout.body]).toEqual([503, UNAVAILABLE]);
    // The session was not ended: a read with it still answers.
    expect((await server.http.get('/api/auth/me').set('cookie', early.cookie).expect(200)).body).toMatchObject({ username: 'early' });
  });
});
