/**
 * Message requests (contract section 6) inside a host app, on real sockets
 * and SQLite. Contacts are "users sharing an accepted group, or a private
 * conversation both have accepted", whoever owns the groups and whoever
 * stores the messages:
 * - a host's groups (its GroupMemberFetcher) make their members contacts,
 *   though Parlor's store has no membership rows for them;
 * - with a host's MessagePersister, Parlor still learns who has written to
 *   whom (its ConsentStore keeps that), so a reply accepts the conversation.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStores } from '../../src/store/sqlite/index.js';
import type { Stores } from '../../src/store/types.js';
import { hostGroups } from '../support/host-groups.js';
import { startHostApp, useSqliteHostApp, type HostApp } from '../support/host-app.js';
import { closeAll, expectNoFrame } from '../support/server.js';

const ALICE = 701;
const BOB = 702;
const CAROL = 703;
const TEAM = 8001;

const conversationsOf = async (host: HostApp, userId: number) =>
  (await host.http.get('/api/conversations').set(host.as(userId)).expect(200)).body.conversations;

describe("a host's groups make their members contacts", () => {
  const app = useSqliteHostApp({
    userDirectory: { existing: (ids) => ids.filter((id) => [ALICE, BOB, CAROL].includes(id)) },
    groupMemberFetcher: hostGroups(new Map([[TEAM, { name: 'team', members: [ALICE, BOB] }]])),
    manager: { typingTimeoutMs: 60_000 },
  });

  it('a first private message between group-mates is no request: receipts and typing flow before any reply', async () => {
    const [a, b] = await Promise.all([app.host.connect(ALICE), app.host.connect(BOB)]);
    a.send({ type: 'private', to: BOB, content: 'about the team meeting', client_id: 'team-1' });
    const ack = await a.next('ack');
    await b.next('private', (f) => f.id === ack.id);
    expect(await a.next('receipt', (f) => f.message_id === ack.id)).toMatchObject({ status: 'delivered', user_id: BOB });
    b.send({ type: 'typing', to: ALICE, is_typing: true });
    expect(await a.next('typing')).toMatchObject({ from: BOB, to: ALICE, is_typing: true });
    expect(await conversationsOf(app.host, BOB)).toEqual([expect.not.objectContaining({ request: true })]);
    expect(await conversationsOf(app.host, BOB)).toEqual([expect.objectContaining({ kind: 'private', user_id: ALICE })]);
  });

  it('someone outside every group stays a stranger: a request, no receipt, no typing', async () => {
    const [c, b] = await Promise.all([app.host.connect(CAROL), app.host.connect(BOB)]);
    c.send({ type: 'private', to: BOB, content: 'hello stranger', client_id: 'carol-1' });
    const ack = await c.next('ack');
    await b.next('private', (f) => f.id === ack.id);
    b.send({ type: 'typing', to: CAROL, is_typing: true });
    await expectNoFrame(c, 'receipt', 200);
    await expectNoFrame(c, 'typing', 0);
    const listed = await conversationsOf(app.host, BOB);
    expect(listed.find((x: { user_id?: number }) => x.user_id === CAROL)).toMatchObject({ request: true });
    expect(listed.find((x: { user_id?: number }) => x.user_id === ALICE)).not.toHaveProperty('request');
  });
});

describe("a host's MessagePersister: a reply still accepts the conversation", () => {
  const dir = mkdtempSync(join(tmpdir(), 'parlor-host-persister-consent-'));
  let stores: Stores;
  /** The host's own database: its messages never reach Parlor's tables. */
  let hostDb: Stores;
  let host: HostApp;

  beforeAll(async () => {
    stores = openSqliteStores({ path: join(dir, 'parlor.db'), sessionPruneIntervalMs: 0, writer: 'inline' });
    hostDb = openSqliteStores({ path: join(dir, 'host.db'), sessionPruneIntervalMs: 0, writer: 'inline' });
    host = await startHostApp(stores, {
      userDirectory: { existing: (ids) => ids.filter((id) => [ALICE, BOB, CAROL].includes(id)) },
      messagePersister: hostDb.messages,
      manager: { typingTimeoutMs: 60_000 },
    });
  });
  afterAll(async () => {
    await host?.close();
    await stores?.close();
    await hostDb?.close();
    rmSync(dir, { recursive: true, force: true });
    await closeAll(); // last: it removes the temporary folders the stores above live in
  });

  it('a request until the reply; after it, delivered receipts and typing reach the first writer', async () => {
    const [a, b] = await Promise.all([host.connect(ALICE), host.connect(BOB)]);
    a.send({ type: 'private', to: BOB, content: 'hi, we have not met', client_id: 'first' });
    const first = await a.next('ack');
    await b.next('private', (f) => f.id === first.id);
    await expectNoFrame(a, 'receipt', 200);

    b.send({ type: 'private', to: ALICE, content: 'nice to meet you', client_id: 'reply' });
    const reply = await b.next('ack');
    await a.next('private', (f) => f.id === reply.id);
    a.send({ type: 'private', to: BOB, content: 'likewise', client_id: 'second' });
    const second = await a.next('ack');
    expect(await a.next('receipt', (f) => f.message_id === second.id)).toMatchObject({ status: 'delivered', user_id: BOB });
    b.send({ type: 'typing', to: ALICE, is_typing: true });
    expect(await a.next('typing')).toMatchObject({ from: BOB, to: ALICE, is_typing: true });
    // The host's persister stored every message; Parlor's store holds none of them, only who wrote to whom.
    expect((await hostDb.messages.privateHistory(ALICE, BOB, { limit: 10 })).items).toHaveLength(3);
    expect((await stores.messages.privateHistory(ALICE, BOB, { limit: 10 })).items).toEqual([]);
  });

  it("Parlor's consent store records who wrote to whom, and only that", async () => {
    const c = await host.connect(CAROL);
    const b = await host.connect(BOB);
    c.send({ type: 'private', to: BOB, content: 'once', client_id: 'c-1' });
    const ack = await c.next('ack');
    await b.next('private', (f) => f.id === ack.id);
    expect(stores.consent!.relation(BOB, CAROL)).toMatchObject({ peerWrote: true, wrote: false });
  });
});

describe("a host's groups: presence and the online list follow Parlor's blocks and private conversations", () => {
  const [DAN, EVE, FAY, GUS] = [721, 722, 723, 724];
  const crew = { name: 'crew', members: [DAN, EVE] };
  const app = useSqliteHostApp({
    userDirectory: { existing: (ids) => ids.filter((id) => [DAN, EVE, FAY, GUS].includes(id)) },
    groupMemberFetcher: hostGroups(new Map([[8002, crew]])),
  });
  const online = async (userId: number) => (await app.host.http.get('/api/users/online').set(app.host.as(userId)).expect(200)).body.users;

  it('a block between group-mates retracts and stops presence both ways and leaves each out of the other\'s online list; the unblock restores it', async () => {
    const eve = await app.host.connect(EVE);
    const dan = await app.host.connect(DAN);
    expect(await eve.next('presence', (f) => f.user_id === DAN)).toMatchObject({ online: true });
    expect(await online(EVE)).toEqual([DAN]);

    await app.host.http.post(`/api/users/${EVE}/block`).set(app.host.as(DAN)).expect(201);
    // What each had of the other is retracted: the other goes offline.
    expect(await eve.next('presence', (f) => f.user_id === DAN)).toMatchObject({ online: false });
    expect(await dan.next('presence', (f) => f.user_id === EVE)).toMatchObject({ online: false });
    const before = eve.frames.length;
    dan.ws.close();
    await dan.closed;
    const again = await app.host.connect(DAN);
    await new Promise((r) => setTimeout(r, 200));
    expect(eve.frames.slice(before).filter((f) => f.type === 'presence' && f.user_id === DAN)).toEqual([]);
    expect(await online(EVE)).toEqual([]);
    expect(await online(DAN)).toEqual([]);
    await app.host.http.delete(`/api/users/${EVE}/block`).set(app.host.as(DAN)).expect(200);
    // Group-mates again: each hears of the other at once.
    expect(await eve.next('presence', (f) => f.user_id === DAN)).toMatchObject({ online: true });
    expect(await again.next('presence', (f) => f.user_id === EVE)).toMatchObject({ online: true });
    for (const c of [again, eve]) {
      c.ws.close();
      await c.closed;
    }
  });

  it("the host's own membership changes, run through parlor.manager.changeContacts, update presence both ways (the documented recipe)", async () => {
    const gus = await app.host.connect(GUS);
    const dan = await app.host.connect(DAN);
    await expectNoFrame(gus, 'presence', 100);
    const { parlor } = app.host;
    await parlor.manager.changeContacts(GUS, async () => {
      crew.members.push(GUS); // the host's own write to its group_members table
      parlor.invalidateGroup(8002);
    });
    expect(await gus.next('presence', (f) => f.user_id === DAN)).toEqual({ type: 'presence', user_id: DAN, online: true });
    expect(await dan.next('presence', (f) => f.user_id === GUS)).toEqual({ type: 'presence', user_id: GUS, online: true });
    await parlor.manager.changeContacts(GUS, async () => {
      crew.members.splice(crew.members.indexOf(GUS), 1);
      parlor.invalidateGroup(8002);
    });
    expect(await gus.next('presence', (f) => f.user_id === DAN)).toEqual({ type: 'presence', user_id: DAN, online: false });
    expect(await dan.next('presence', (f) => f.user_id === GUS)).toEqual({ type: 'presence', user_id: GUS, online: false });
    for (const c of [gus, dan]) {
      c.ws.close();
      await c.closed;
    }
  });

  it('a private conversation both have written in makes contacts outside every group: online list and offline presence', async () => {
    const fay = await app.host.connect(FAY);
    const eve = await app.host.connect(EVE);
    await app.host.http.post('/api/messages/private').set(app.host.as(FAY)).send({ to: EVE, content: 'hi eve' }).expect(201);
    await app.host.http.post('/api/messages/private').set(app.host.as(EVE)).send({ to: FAY, content: 'hi fay' }).expect(201);
    await expect.poll(() => online(FAY)).toEqual([EVE]);
    expect(await online(EVE)).toContain(FAY);
    eve.ws.close();
    expect(await fay.next('presence', (f) => f.user_id === EVE && f.online === false)).toMatchObject({ online: false });
  });
});
