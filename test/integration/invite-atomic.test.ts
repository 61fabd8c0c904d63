/**
 * An invitation and its `group_invite` notification are stored together or
 * not at all (nothing half-written): when the notification cannot be stored,
 * the invitation is not either, and the inviter's retry succeeds instead of
 * answering 409 for an invitation the invitee was never told of. Real
 * server, real SQLite; the failure is a trigger another connection adds to
 * the same database file.
 */
import Database from 'better-sqlite3';
import express from 'express';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createParlor } from '../../src/app.js';
import { openSqliteStores } from '../../src/store/sqlite/index.js';
import { closeAll, connectClient, createGroup, registerUsers, startTestServer, targetOf, type TestServer } from '../support/server.js';

describe('invite: the invitation and its notification in one transaction', () => {
  let server: TestServer;
  let db: Database.Database;

  beforeAll(async () => {
    server = await startTestServer();
    db = new Database(join(server.dir, 'parlor.db'));
    db.pragma('busy_timeout = 5000');
  });
  afterAll(async () => {
    db?.close();
    await closeAll();
  });

  it('a notification that cannot be stored leaves no invitation; the retry is a 201 and notifies once', async () => {
    const [owner, guest] = await registerUsers(server, 2);
    const groupId = await createGroup(server, owner);
    const guestSocket = await connectClient(server, guest.cookie);
    const invite = () => server.http.post('/api/groups/invite').set('cookie', owner.cookie).send({ group_id: groupId, user_id: guest.id });

    db.exec(`CREATE TRIGGER refuse_notifications BEFORE INSERT ON notifications BEGIN SELECT RAISE(ABORT, 'notifications are refused'); END`);
    try {
      const failed = await invite();
      expect(failed.status).toBeGreaterThanOrEqual(500);
      expect(failed.body.error).toEqual(expect.any(String));
    } finally {
      db.exec('DROP TRIGGER refuse_notifications');
    }
    const members = (await server.http.get(`/api/groups/${groupId}/members`).set('cookie', owner.cookie).expect(200)).body.members;
    expect(members.map((m: { id: number }) => m.id)).toEqual([owner.id]);

    expect((await invite().expect(201)).body).toEqual({ group_id: groupId, user_id: guest.id, status: 'invited' });
    expect(await guestSocket.next('notification')).toMatchObject({ subtype: 'group_invite', group_id: groupId, from: owner.id });
    const listed = (await server.http.get('/api/notifications').set('cookie', guest.cookie).expect(200)).body;
    expect(listed.notifications.filter((n: { subtype: string }) => n.subtype === 'group_invite')).toHaveLength(1);
  });
});

describe('invite: a GroupStore that takes no notice', () => {
  it('stores the invitation, and the notification is stored and sent as before (no empty frame)', async () => {
    const stores = openSqliteStores({ path: ':memory:', sessionPruneIntervalMs: 0 });
    // An older or custom group store: invite() ignores the notice and answers nothing.
    const groups = Object.create(stores.groups) as typeof stores.groups;
    groups.invite = async (groupId, userId, invitedBy) => {
      await stores.groups.invite(groupId, userId, invitedBy);
      return undefined;
    };
    const parlor = createParlor({ stores: { ...stores, groups }, sessionSecret: 'a session secret of some length', passwordHashCost: 10, authRateLimit: 0 });
    const app = express();
    app.use(parlor.router);
    const server = createServer(app);
    parlor.attach(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const target = targetOf(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      const [owner, guest] = await registerUsers(target, 2);
      const groupId = await createGroup(target, owner);
      const guestSocket = await connectClient(target, guest.cookie);
      await target.http.post('/api/groups/invite').set('cookie', owner.cookie).send({ group_id: groupId, user_id: guest.id }).expect(201);
      expect(await guestSocket.next('notification')).toMatchObject({ subtype: 'group_invite', group_id: groupId, id: expect.any(Number) });
    } finally {
      await closeAll();
      await parlor.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await stores.close();
    }
  });
});
