/**
 * A host that owns its groups (contract section 4, "host-owned groups"),
 * through its GroupMemberFetcher: the accepted members are asked once per
 * group and kept until `parlor.invalidateGroup(id)`, so group traffic costs
 * no round trip to the host; a group the host does not know is `not_found`
 * (and not kept); a fetcher that throws is 503 / `internal`, naming
 * groupMemberFetcher in the log, with nothing stored.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStores } from '../../src/store/sqlite/index.js';
import type { Stores } from '../../src/store/types.js';
import { hostGroups } from '../support/host-groups.js';
import { startHostApp, useSqliteHostApp, type HostApp } from '../support/host-app.js';
import { captureLogger, closeAll, expectNoFrame } from '../support/server.js';

const ALICE = 601;
const BOB = 602;
const CAROL = 603;
const TEAM = 7001;
const UNKNOWN_GROUP = 7999;

describe('host-owned groups: the members cache and its invalidation (SQLite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parlor-host-groups-'));
  const tables = new Map([[TEAM, { name: 'team', members: [ALICE, BOB] }]]);
  const users = new Set([ALICE, BOB, CAROL]);
  const fetcher = hostGroups(tables);
  const log = captureLogger();
  let stores: Stores;
  let host: HostApp;
  const askedFor = (groupId: number) => fetcher.acceptedMembers.mock.calls.filter(([id]) => id === groupId).length;

  beforeAll(async () => {
    stores = openSqliteStores({ path: join(dir, 'chat.db'), sessionPruneIntervalMs: 0, writer: 'inline' });
    host = await startHostApp(stores, {
      userDirectory: { existing: (ids) => ids.filter((id) => users.has(id)) },
      groupMemberFetcher: fetcher,
      logger: log.logger,
    });
  });
  afterAll(async () => {
    await host?.close();
    await stores?.close();
    rmSync(dir, { recursive: true, force: true });
    await closeAll(); // last: it removes the temporary folders the stores above live in
  });

  it('asks the host once per group for group history, typing and member lists; invalidateGroup makes it ask again', async () => {
    const [a, b] = await Promise.all([host.connect(ALICE), host.connect(BOB)]);
    for (let i = 0; i < 3; i++) await host.http.get(`/api/messages/group?group=${TEAM}`).set(host.as(ALICE)).expect(200);
    a.send({ type: 'typing', group_id: TEAM, is_typing: true });
    expect(await b.next('typing')).toMatchObject({ from: ALICE, group_id: TEAM, is_typing: true });
    await host.http.get(`/api/groups/${TEAM}/members`).set(host.as(BOB)).expect(200);
    expect(askedFor(TEAM)).toBe(1);

    // The host adds Carol; until it says so, Parlor still knows the old members.
    tables.get(TEAM)!.members.push(CAROL);
    expect((await host.http.get(`/api/messages/group?group=${TEAM}`).set(host.as(CAROL)).expect(403)).body.error).toBe('forbidden');
    host.parlor.invalidateGroup(TEAM);
    await host.http.get(`/api/messages/group?group=${TEAM}`).set(host.as(CAROL)).expect(200);
    await host.http.get(`/api/messages/group?group=${TEAM}`).set(host.as(ALICE)).expect(200);
    expect(askedFor(TEAM)).toBe(2);
    expect(host.parlor.manager.groupCache?.stats).toMatchObject({ invalidations: 1 });
    const metrics = await host.parlor.metrics.metrics();
    expect(metrics).toMatch(/^parlor_host_group_cache_hits_total [1-9]/m);
    expect(metrics).toMatch(/^parlor_host_group_cache_misses_total [1-9]/m);
  });

  it('a group the host does not know is not_found over HTTP and WebSocket, and is asked again next time (not kept)', async () => {
    const a = await host.connect(ALICE);
    expect((await host.http.get(`/api/messages/group?group=${UNKNOWN_GROUP}`).set(host.as(ALICE)).expect(404)).body.error).toBe('not_found');
    a.send({ type: 'group', group_id: UNKNOWN_GROUP, content: 'anyone?', client_id: 'ng' });
    expect(await a.next('error')).toMatchObject({ code: 'not_found', client_id: 'ng' });
    expect((await host.http.get(`/api/groups/${UNKNOWN_GROUP}/members`).set(host.as(ALICE)).expect(404)).body.error).toBe('not_found');
    expect(askedFor(UNKNOWN_GROUP)).toBe(3);
    expect((await stores.messages.groupHistory(UNKNOWN_GROUP, { limit: 5 })).items).toEqual([]);
  });

  it('a fetcher that throws: 503 on HTTP, internal over WebSocket, nothing stored, and the log names groupMemberFetcher', async () => {
    const OUTAGE = 7003;
    tables.set(OUTAGE, { name: 'outage', members: [ALICE, BOB] }); // never asked before: not in the cache
    const a = await host.connect(ALICE);
    fetcher.state.failing = true;
    try {
      expect((await host.http.get(`/api/messages/group?group=${OUTAGE}`).set(host.as(ALICE)).expect(503)).body.error).toBe('unavailable');
      expect((await host.http.post('/api/messages/group').set(host.as(ALICE)).send({ group_id: OUTAGE, content: 'x' }).expect(503)).body.error).toBe('unavailable');
      a.send({ type: 'group', group_id: OUTAGE, content: 'x', client_id: 'down' });
      expect(await a.next('error')).toMatchObject({ code: 'internal', client_id: 'down' });
      await host.http.get('/api/groups').set(host.as(ALICE)).expect(503);
      await host.http.get(`/api/groups/${OUTAGE}/members`).set(host.as(ALICE)).expect(503);
    } finally {
      fetcher.state.failing = false;
    }
    // A failed lookup is not kept either: the next one asks and succeeds.
    await host.http.get(`/api/messages/group?group=${OUTAGE}`).set(host.as(ALICE)).expect(200);
    expect((await stores.messages.groupHistory(OUTAGE, { limit: 5 })).items).toEqual([]);
    await expectNoFrame(a, 'group');
    const named = log.lines.filter((l) => l.interface === 'groupMemberFetcher');
    expect(named.length).toBeGreaterThanOrEqual(3);
    expect(named.every((l) => JSON.stringify(l).includes('host group database unreachable'))).toBe(true);
  });
});

describe("host-owned groups: GET /api/groups shows the contract's fields only", () => {
  const app = useSqliteHostApp({
    userDirectory: { existing: (ids) => ids.filter((id) => id === ALICE) },
    groupMemberFetcher: {
      acceptedMembers: () => [ALICE],
      // A host's rows as a database driver might give them: a bigint id as a string, and a column of its own.
      groupsOf: () => [{ id: '7001', name: 'team', status: 'accepted', internal_notes: 'not for clients' }] as never,
    },
  });

  it('drops the host\'s own columns and answers numeric ids', async () => {
    const res = await app.host.http.get('/api/groups').set(app.host.as(ALICE)).expect(200);
    expect(res.body).toEqual({ groups: [{ id: 7001, name: 'team', status: 'accepted' }] });
  });
});

describe('host-owned groups: ids as a database driver gives them (bigint as strings)', () => {
  const BOB = ALICE + 1;
  const TEAM = 7001;
  const asStrings = (ids: number[]) => ids.map(String) as never;
  const app = useSqliteHostApp({
    userDirectory: { existing: (ids) => ids.filter((id) => id === ALICE || id === BOB) },
    groupMemberFetcher: {
      acceptedMembers: (groupId) => (groupId === TEAM ? asStrings([ALICE, BOB]) : null),
      contactsOf: () => asStrings([ALICE, BOB]),
      members: () => [{ id: String(ALICE), status: 'accepted' }, { id: String(BOB), status: 'accepted' }] as never,
    },
  });

  it('a member lists the members (numbers, not a 403), and group messages and typing reach them', async () => {
    const res = await app.host.http.get(`/api/groups/${TEAM}/members`).set(app.host.as(ALICE)).expect(200);
    expect(res.body.members.map((m: { id: unknown }) => m.id)).toEqual([ALICE, BOB]);
    const [alice, bob] = await Promise.all([app.host.connect(ALICE), app.host.connect(BOB)]);
    alice.send({ type: 'group', group_id: TEAM, content: 'hello team', client_id: 'g1' });
    await alice.next('ack');
    expect(await bob.next('group')).toMatchObject({ group_id: TEAM, from: ALICE, content: 'hello team' });
    alice.send({ type: 'typing', to: BOB }); // contacts through the host's group (contactsOf)
    expect(await bob.next('typing')).toMatchObject({ from: ALICE, to: BOB, is_typing: true });
  });
});

describe('host-owned groups: an id that is neither a number nor digits is the fetcher failing', () => {
  const DAVE = 801;
  const TEAM = 5;
  // A UUID-keyed table, a `null` from a LEFT JOIN, a typo'd column: not ids, and no hex either.
  const app = useSqliteHostApp({
    userDirectory: { existing: (ids) => [...ids] },
    groupMemberFetcher: {
      acceptedMembers: (groupId) => (groupId === TEAM ? ([DAVE, 'not-an-id'] as never) : groupId === TEAM + 1 ? ([DAVE, '0x2BD'] as never) : null),
      groupsOf: () => [{ id: 'g-7', name: 'uuid group', status: 'accepted' }] as never,
      members: () => [{ id: DAVE, status: 'accepted' }, { id: 'u-9', status: 'accepted', username: 'odd' }] as never,
    },
  });

  it.each([
    ['GET /api/groups (a group id of null)', '/api/groups', DAVE],
    ['GET /api/groups/:id/members (a member id of null)', `/api/groups/${TEAM}/members`, DAVE],
    ['GET /api/messages/group (a member list with a non-id in it)', `/api/messages/group?group=${TEAM}`, DAVE],
    ["GET /api/messages/group by user 701 ('0x2BD' is no member 701)", `/api/messages/group?group=${TEAM + 1}`, 701],
  ])('%s: 503 unavailable naming groupMemberFetcher', async (_name, path, asUser) => {
    const res = await app.host.http.get(path).set(app.host.as(asUser));
    expect({ status: res.status, body: res.body }).toEqual({
      status: 503,
      body: { error: 'unavailable', message: 'groupMemberFetcher is unavailable, try again later' },
    });
  });
});
