/**
 * A host's MessagePersister and the routes that read what it stored
 * (contract section 4, "one path"): the conversation list and the
 * notifications come from the persister's optional reads, never from
 * Parlor's own tables (which hold none of its messages); a persister without
 * them leaves those routes to the host. Real sockets, real SQLite: the host's
 * database is a second SQLite file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStores } from '../../src/store/sqlite/index.js';
import type { Stores } from '../../src/store/types.js';
import type { MessagePersister } from '../../src/websocket/message-persister.js';
import { startHostApp, type HostApp } from '../support/host-app.js';
import { closeAll } from '../support/server.js';

const ALICE = 801;
const BOB = 802;
const users = { existing: (ids: readonly number[]) => ids.filter((id) => id === ALICE || id === BOB) };

/** The host's persister over its own database: the required methods, plus the reads when `reads`. */
function hostPersister(db: Stores, reads: boolean): MessagePersister {
  const m = db.messages;
  const persister: MessagePersister = {
    savePrivate: (input) => m.savePrivate(input),
    saveGroup: (input) => m.saveGroup(input),
    saveNotification: (userId, subtype, message, data) => m.saveNotification(userId, subtype, message, data),
    privateHistory: (userId, otherId, page) => m.privateHistory(userId, otherId, page),
    groupHistory: (groupId, page) => m.groupHistory(groupId, page),
  };
  if (!reads) return persister;
  return {
    ...persister,
    conversationsOf: (userId, groupIds) => db.conversations.conversations(userId, groupIds),
    notificationsOf: (userId, page) => db.notifications.list(userId, page),
    unreadNotificationCount: (userId) => db.notifications.unreadCount(userId),
    markNotificationsRead: (userId, ids) => db.notifications.markRead(userId, ids),
  };
}

describe("a host's MessagePersister: the list routes read what it stored", () => {
  const dir = mkdtempSync(join(tmpdir(), 'parlor-host-reads-'));
  let stores: Stores;
  let hostDb: Stores;
  let withReads: HostApp;
  let withoutReads: HostApp;

  beforeAll(async () => {
    stores = openSqliteStores({ path: join(dir, 'parlor.db'), sessionPruneIntervalMs: 0, writer: 'inline' });
    hostDb = openSqliteStores({ path: join(dir, 'host.db'), sessionPruneIntervalMs: 0, writer: 'inline' });
    withReads = await startHostApp(stores, { userDirectory: users, messagePersister: hostPersister(hostDb, true) });
    withoutReads = await startHostApp(stores, { userDirectory: users, messagePersister: hostPersister(hostDb, false) });
  });
  afterAll(async () => {
    await withReads?.close();
    await withoutReads?.close();
    await stores?.close();
    await hostDb?.close();
    rmSync(dir, { recursive: true, force: true });
    await closeAll(); // last: it removes the temporary folders the stores above live in
  });

  it('GET /api/conversations lists the conversations the persister stored, with requests marked by Parlor', async () => {
    const host = withReads;
    const sent = (await host.http.post('/api/messages/private').set(host.as(ALICE)).send({ to: BOB, content: 'hello' }).expect(201)).body;
    const ofBob = (await host.http.get('/api/conversations').set(host.as(BOB)).expect(200)).body.conversations;
    expect(ofBob).toEqual([expect.objectContaining({ kind: 'private', user_id: ALICE, request: true, unread: 1 })]);
    expect(ofBob[0].last_message).toMatchObject({ id: sent.id, content: 'hello' });
    const ofAlice = (await host.http.get('/api/conversations').set(host.as(ALICE)).expect(200)).body.conversations;
    expect(ofAlice).toEqual([expect.not.objectContaining({ request: true })]);

    await host.http.post('/api/messages/private').set(host.as(BOB)).send({ to: ALICE, content: 'hi back' }).expect(201);
    const afterReply = (await host.http.get('/api/conversations').set(host.as(BOB)).expect(200)).body.conversations;
    expect(afterReply).toEqual([expect.not.objectContaining({ request: true })]);
    // Parlor's own tables hold none of it.
    expect(await stores.conversations.conversations(BOB)).toEqual([]);
  });

  it('GET /api/notifications and POST /api/notifications/read work on the notifications the persister stored', async () => {
    const host = withReads;
    const n = await host.parlor.manager.notify(BOB, 'system', 'welcome to the team');
    const listed = (await host.http.get('/api/notifications').set(host.as(BOB)).expect(200)).body;
    expect(listed).toMatchObject({ unread: 1, notifications: [{ id: n.id, message: 'welcome to the team', read: false }] });
    expect((await host.http.post('/api/notifications/read').set(host.as(BOB)).send({}).expect(200)).body).toEqual({ updated: 1 });
    expect((await host.http.get('/api/notifications').set(host.as(BOB)).expect(200)).body.unread).toBe(0);
    expect(await stores.notifications.unreadCount(BOB)).toBe(0);
    expect((await stores.notifications.list(BOB, { limit: 5 })).items).toEqual([]);
  });

  it('a persister without those reads leaves the routes to the host: they fall through', async () => {
    const host = withoutReads;
    for (const path of ['/api/conversations', '/api/notifications']) {
      const res = await host.http.get(path).set(host.as(BOB));
      expect(res.status).toBe(404);
      expect(res.text).toContain(`Cannot GET ${path}`);
    }
    const res = await host.http.post('/api/notifications/read').set(host.as(BOB)).send({});
    expect(res.status).toBe(404);
  });
});
