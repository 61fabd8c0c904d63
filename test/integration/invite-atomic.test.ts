/**
 * An invitation and its `group_invite` notification are stored together or
 * not at all (nothing half-written): when the notification cannot be stored,
 * the invitation is not either, and the inviter's retry succeeds instead of
 * answering 409 for an invitation the invitee was never told of. Real
 * server, real SQLite; the failure is a trigger another connection adds to
 * the same database file.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, connectClient, createGroup, registerUsers, startTestServer, type TestServer } from '../support/server.js';

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
