/**
 * A host that owns its users (contract section 4, "host-owned users"): ids
 * with no Parlor account message, read, get notifications and invitations on
 * both bundled stores; an id the host's UserDirectory does not know is
 * `not_found` on both, over WebSocket and HTTP; a directory that throws is 503
 * / `internal` with nothing stored; names come from the directory's profiles.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createParlor, type Parlor } from '../../src/app.js';
import { ParlorError } from '../../src/errors.js';
import { openSqliteStores } from '../../src/store/sqlite/index.js';
import type { Stores } from '../../src/store/types.js';
import type { Profile, UserDirectory } from '../../src/websocket/user-directory.js';
import { startHostApp, useSqliteHostApp, type HostApp } from '../support/host-app.js';
import { mockGroupMemberFetcher } from '../support/mock-interfaces.js';
import { freshSqliteStores } from '../support/sqlite-stores.js';
import { freshPostgresStores } from '../support/postgres-stores.js';
import { captureLogger, closeAll, expectNoFrame, upgradeStatus } from '../support/server.js';
import { describeWithPostgres } from '../support/services.js';

/** The host's users: ids far from any Parlor account id, with display names. */
const ALICE = 501;
const BOB = 502;
const CAROL = 503;
const NOBODY = 999;

/** The host's user table as a UserDirectory; `failing` makes every call throw (the host's database is down). */
function hostDirectory() {
  const users = new Map<number, Profile & { email: string }>([
    [ALICE, { id: ALICE, username: 'alice', display_name: 'Alice A.', avatar_url: 'https://host.example/a.png', email: 'alice@host.example' }],
    [BOB, { id: BOB, username: 'bob', display_name: 'Bob B.', email: 'bob@host.example' }],
    [CAROL, { id: CAROL, username: 'carol', email: 'carol@host.example' }],
  ]);
  /** `failingProfiles`: only the names are unreachable (the host's profile service is down). */
  const state = { failing: false, failingProfiles: false };
  const check = () => {
    if (state.failing) throw new Error('host user database unreachable');
  };
  const directory = {
    state,
    existing: vi.fn(async (ids: readonly number[]) => (check(), ids.filter((id) => users.has(id)))),
    profiles: vi.fn(async (ids: readonly number[]) => {
      check();
      if (state.failingProfiles) throw new Error('host profile service unreachable');
      return ids.flatMap((id) => users.get(id) ?? []);
    }),
  } satisfies Required<UserDirectory> & { state: { failing: boolean; failingProfiles: boolean } };
  return directory;
}

interface OpenedStores {
  stores: Stores;
  cleanup(): Promise<void>;
}

function hostUsersSuite(name: string, open: () => Promise<OpenedStores>): void {
  describe(`host users on ${name}`, () => {
    let opened: OpenedStores;
    let host: HostApp;
    let directory: ReturnType<typeof hostDirectory>;
    const log = captureLogger();

    beforeAll(async () => {
      opened = await open();
      directory = hostDirectory();
      host = await startHostApp(opened.stores, { userDirectory: directory, logger: log.logger });
    });
    afterAll(async () => {
      await host?.close();
      await opened?.cleanup();
      await closeAll(); // last: it removes the temporary folders the stores above live in
    });

    it('private messages, receipts, read markers, history and conversations between host ids', async () => {
      // Bob writes first, so Alice's message is no request to him: receipts flow (contract section 6).
      await host.http.post('/api/messages/private').set(host.as(BOB)).send({ to: ALICE, content: 'hello alice' }).expect(201);
      const [a, b] = await Promise.all([host.connect(ALICE), host.connect(BOB)]);
      a.send({ type: 'private', to: BOB, content: 'hi bob', client_id: 'p1' });
      const ack = await a.next('ack', (f) => f.client_id === 'p1');
      const got = await b.next('private');
      expect(got).toMatchObject({ id: ack.id, from: ALICE, to: BOB, content: 'hi bob' });
      expect(await a.next('receipt', (f) => f.status === 'delivered')).toMatchObject({ message_id: ack.id, user_id: BOB });
      b.send({ type: 'read', message_id: ack.id });
      expect(await a.next('receipt', (f) => f.status === 'read')).toMatchObject({ message_id: ack.id, user_id: BOB });

      const sent = await host.http.post('/api/messages/private').set(host.as(BOB)).send({ to: ALICE, content: 'hi alice' }).expect(201);
      expect(await a.next('private', (f) => f.id === sent.body.id)).toMatchObject({ from: BOB, to: ALICE });
      const history = await host.http.get(`/api/messages/private?user=${BOB}`).set(host.as(ALICE)).expect(200);
      expect(history.body.messages.map((m: { content: string }) => m.content)).toEqual(['hi alice', 'hi bob', 'hello alice']);
      const conversations = await host.http.get('/api/conversations').set(host.as(ALICE)).expect(200);
      expect(conversations.body.conversations).toEqual([
        expect.objectContaining({ kind: 'private', user_id: BOB, unread: 2, last_message: expect.objectContaining({ id: sent.body.id }) }),
      ]);
    });

    it('groups of host ids: create, invite (a notification naming the inviter), accept, group messages and read markers, member names', async () => {
      const [a, c] = await Promise.all([host.connect(ALICE), host.connect(CAROL)]);
      const group = await host.http.post('/api/groups').set(host.as(ALICE)).send({ name: 'hosts' }).expect(201);
      expect(group.body).toMatchObject({ name: 'hosts', owner_id: ALICE });
      await host.http.post('/api/groups/invite').set(host.as(ALICE)).send({ group_id: group.body.id, user_id: CAROL }).expect(201);
      const invite = await c.next('notification');
      expect(invite).toMatchObject({ subtype: 'group_invite', group_id: group.body.id, from: ALICE, message: 'alice invited you to hosts' });
      const listed = await host.http.get('/api/notifications').set(host.as(CAROL)).expect(200);
      expect(listed.body).toMatchObject({ unread: 1, notifications: [expect.objectContaining({ id: invite.id, read: false })] });
      await host.http.post(`/api/groups/${group.body.id}/accept`).set(host.as(CAROL)).expect(200);

      const members = await host.http.get(`/api/groups/${group.body.id}/members`).set(host.as(CAROL)).expect(200);
      expect(members.body.members).toEqual([
        { id: ALICE, username: 'alice', display_name: 'Alice A.', avatar_url: 'https://host.example/a.png', status: 'accepted' },
        { id: CAROL, username: 'carol', status: 'accepted' },
      ]);

      c.send({ type: 'group', group_id: group.body.id, content: 'hello hosts', client_id: 'g1' });
      const ack = await c.next('ack', (f) => f.client_id === 'g1');
      expect(await a.next('group')).toMatchObject({ id: ack.id, from: CAROL, group_id: group.body.id });
      a.send({ type: 'read', group_id: group.body.id, message_id: ack.id });
      await expectNoFrame(a, 'error');
      const groupHistory = await host.http.get(`/api/messages/group?group=${group.body.id}`).set(host.as(ALICE)).expect(200);
      expect(groupHistory.body.messages.map((m: { id: number }) => m.id)).toEqual([ack.id]);
    });

    it("an invitation whose inviter's name cannot be read is refused (503) with nothing stored, so a retry works", async () => {
      const group = await host.http.post('/api/groups').set(host.as(ALICE)).send({ name: 'names down' }).expect(201);
      directory.state.failingProfiles = true;
      try {
        await host.http.post('/api/groups/invite').set(host.as(ALICE)).send({ group_id: group.body.id, user_id: BOB }).expect(503);
        expect(await opened.stores.groups.memberStatus(group.body.id, BOB)).toBeNull();
      } finally {
        directory.state.failingProfiles = false;
      }
      const b = await host.connect(BOB);
      await host.http.post('/api/groups/invite').set(host.as(ALICE)).send({ group_id: group.body.id, user_id: BOB }).expect(201);
      expect(await b.next('notification')).toMatchObject({ subtype: 'group_invite', group_id: group.body.id, message: 'alice invited you to names down' });
    });

    it("groups the host owns, on the bundled store: group messages, history and read markers with no row in Parlor's groups", async () => {
      const HOST_GROUP = 9100;
      const fetcher = mockGroupMemberFetcher({ [HOST_GROUP]: { accepted: [ALICE, BOB], invited: [CAROL] } });
      const owned = await startHostApp(opened.stores, { userDirectory: directory, groupMemberFetcher: fetcher, logger: log.logger });
      try {
        const [a, b, c] = await Promise.all([owned.connect(ALICE), owned.connect(BOB), owned.connect(CAROL)]);
        a.send({ type: 'group', group_id: HOST_GROUP, content: 'in the host group', client_id: 'hg1' });
        const ack = await a.next('ack', (f) => f.client_id === 'hg1');
        expect(await b.next('group')).toMatchObject({ id: ack.id, from: ALICE, group_id: HOST_GROUP, content: 'in the host group' });
        const sent = await owned.http.post('/api/messages/group').set(owned.as(BOB)).send({ group_id: HOST_GROUP, content: 'over HTTP' }).expect(201);
        b.send({ type: 'read', group_id: HOST_GROUP, message_id: sent.body.id });
        await expectNoFrame(b, 'error');
        const history = await owned.http.get(`/api/messages/group?group=${HOST_GROUP}`).set(owned.as(ALICE)).expect(200);
        expect(history.body.messages.map((m: { id: number }) => m.id)).toEqual([sent.body.id, ack.id]);
        // sync replays them to an accepted member (the fetcher's groupsOf names the group), and not to the invitee.
        const bobAgain = await owned.connect(BOB);
        bobAgain.send({ type: 'sync', since: 0 });
        const synced = await bobAgain.next('synced');
        const inHostGroup = (m: Record<string, any>) => m.group_id === HOST_GROUP;
        expect(bobAgain.all('group').filter(inHostGroup).map((m) => m.id)).toEqual([ack.id, sent.body.id]);
        expect(bobAgain.all('group').filter(inHostGroup).every((m) => m.replayed === true)).toBe(true);
        expect(synced.last_id).toBe(sent.body.id);
        const carolAgain = await owned.connect(CAROL);
        carolAgain.send({ type: 'sync', since: 0 });
        await carolAgain.next('synced');
        expect(carolAgain.all('group').filter(inHostGroup)).toEqual([]);
        // The conversation list names the host's group for its accepted members, with its last message and unread count.
        const bobs = (await owned.http.get('/api/conversations').set(owned.as(BOB)).expect(200)).body.conversations;
        expect(bobs.filter((c: { kind: string; group_id?: number }) => c.kind === 'group' && c.group_id === HOST_GROUP)).toEqual([
          expect.objectContaining({ kind: 'group', group_id: HOST_GROUP, last_message: expect.objectContaining({ id: sent.body.id }) }),
        ]);
        const carols = (await owned.http.get('/api/conversations').set(owned.as(CAROL)).expect(200)).body.conversations;
        expect(carols.filter((c: { group_id?: number }) => c.group_id === HOST_GROUP)).toEqual([]);
        // Only accepted members write, and an unknown group is not_found: the fetcher's answers, nothing stored.
        c.send({ type: 'group', group_id: HOST_GROUP, content: 'not yet', client_id: 'hg2' });
        expect(await c.next('error')).toMatchObject({ code: 'forbidden', client_id: 'hg2' });
        a.send({ type: 'group', group_id: HOST_GROUP + 1, content: 'nowhere', client_id: 'hg3' });
        expect(await a.next('error')).toMatchObject({ code: 'not_found', client_id: 'hg3' });
        expect((await opened.stores.messages.groupHistory(HOST_GROUP + 1, { limit: 5 })).items).toEqual([]);
        expect((await opened.stores.messages.groupHistory(HOST_GROUP, { limit: 5 })).items).toHaveLength(2);
        expect(await opened.stores.groups.getGroup(HOST_GROUP)).toBeNull();
      } finally {
        await owned.close();
      }
    });

    it('an id the directory does not know is not_found over WebSocket and HTTP, and nothing is stored', async () => {
      const a = await host.connect(ALICE);
      a.send({ type: 'private', to: NOBODY, content: 'anyone?', client_id: 'nf' });
      expect(await a.next('error')).toMatchObject({ code: 'not_found', client_id: 'nf' });
      const http = await host.http.post('/api/messages/private').set(host.as(ALICE)).send({ to: NOBODY, content: 'anyone?' }).expect(404);
      expect(http.body.error).toBe('not_found');
      const group = await host.http.post('/api/groups').set(host.as(ALICE)).send({ name: 'g' }).expect(201);
      const invite = await host.http.post('/api/groups/invite').set(host.as(ALICE)).send({ group_id: group.body.id, user_id: NOBODY }).expect(404);
      expect(invite.body.error).toBe('not_found');
      await expect(host.parlor.manager.notify(NOBODY, 'system', 'nobody')).rejects.toMatchObject({ code: 'not_found' });

      expect((await host.http.get(`/api/messages/private?user=${NOBODY}`).set(host.as(ALICE)).expect(200)).body.messages).toEqual([]);
      expect(await opened.stores.groups.memberStatus(group.body.id, NOBODY)).toBeNull();
      expect((await opened.stores.notifications.list(NOBODY, { limit: 5 })).items).toEqual([]);
    });

    it('a directory that throws: 503 on HTTP, internal over WebSocket, nothing stored, and the log names userDirectory', async () => {
      const DAVE = 504; // never checked before: not in the cache
      const logFrom = log.lines.length; // the log is shared by the suite's tests
      const a = await host.connect(ALICE);
      const group = await host.http.post('/api/groups').set(host.as(ALICE)).send({ name: 'outage' }).expect(201);
      directory.state.failing = true;
      try {
        const http = await host.http.post('/api/messages/private').set(host.as(ALICE)).send({ to: DAVE, content: 'x' }).expect(503);
        expect(http.body.error).toBe('unavailable');
        a.send({ type: 'private', to: DAVE, content: 'x', client_id: 'down' });
        expect(await a.next('error')).toMatchObject({ code: 'internal', client_id: 'down' });
        await host.http.post('/api/groups/invite').set(host.as(ALICE)).send({ group_id: group.body.id, user_id: DAVE }).expect(503);
        await host.http.get(`/api/users?ids=${DAVE}`).set(host.as(ALICE)).expect(503);
      } finally {
        directory.state.failing = false;
      }
      expect((await host.http.get(`/api/messages/private?user=${DAVE}`).set(host.as(ALICE)).expect(200)).body.messages).toEqual([]);
      expect(await opened.stores.groups.memberStatus(group.body.id, DAVE)).toBeNull();
      expect((await opened.stores.notifications.list(DAVE, { limit: 5 })).items).toEqual([]);
      const named = log.lines.slice(logFrom).filter((l) => l.interface === 'userDirectory');
      expect(named.length).toBeGreaterThanOrEqual(2);
      expect(named.every((l) => JSON.stringify(l).includes('host user database unreachable'))).toBe(true);
    });

    it('asks the directory once per recipient; parlor.invalidateUser makes it ask again', async () => {
      const a = await host.connect(BOB);
      const send = async (id: string) => {
        a.send({ type: 'private', to: CAROL, content: id, client_id: id });
        await a.next('ack', (f) => f.client_id === id);
      };
      await send('c1');
      const calls = directory.existing.mock.calls.length;
      await send('c2');
      await host.http.post('/api/messages/private').set(host.as(BOB)).send({ to: CAROL, content: 'c3' }).expect(201);
      expect(directory.existing.mock.calls.length).toBe(calls);
      host.parlor.invalidateUser(CAROL);
      await send('c4');
      expect(directory.existing.mock.calls.slice(calls)).toEqual([[[CAROL]]]);
      const metrics = await host.parlor.metrics.metrics();
      expect(metrics).toMatch(/^parlor_user_cache_hits_total [1-9]/m);
      expect(metrics).toMatch(/^parlor_user_cache_misses_total [1-9]/m);
    });

    it('GET /api/users?ids= gives the profiles of the ids that exist, with only the contract fields', async () => {
      const res = await host.http.get(`/api/users?ids=${BOB},${NOBODY},${ALICE},${BOB}`).set(host.as(CAROL)).expect(200);
      expect(res.body).toEqual({
        users: [
          { id: BOB, username: 'bob', display_name: 'Bob B.' },
          { id: ALICE, username: 'alice', display_name: 'Alice A.', avatar_url: 'https://host.example/a.png' },
        ],
      });
      expect(JSON.stringify(res.body)).not.toContain('email');
      await host.http.get(`/api/users?ids=${ALICE}`).expect(401);
    });
  });
}

hostUsersSuite('sqlite', () => freshSqliteStores('parlor-host-users'));

await describeWithPostgres('host users on postgres', (url) => {
  hostUsersSuite('postgres', () => freshPostgresStores(url));
});

describe("host users without a host sessionResolver: Parlor's tokens are how they sign in", () => {
  const dir = mkdtempSync(join(tmpdir(), 'parlor-host-users-tokens-'));
  let stores: Stores;
  let parlor: Parlor;
  let server: Server;
  let base: string;
  /** The host's users: every id from 4000 on, but those it deleted; `failing`: what every lookup throws (its database is down); `asked`: the ids looked up. */
  const hostUsers = { deleted: new Set<number>(), failing: null as Error | null, asked: [] as number[] };
  const log = captureLogger();

  beforeAll(async () => {
    stores = openSqliteStores({ path: join(dir, 'chat.db'), sessionPruneIntervalMs: 0, writer: 'inline' });
    parlor = createParlor({
      stores,
      sessionSecret: 'a session secret of some length',
      logger: log.logger,
      userDirectory: {
        existing(ids) {
          hostUsers.asked.push(...ids);
          if (hostUsers.failing) throw hostUsers.failing;
          return ids.filter((id) => id >= 4000 && !hostUsers.deleted.has(id));
        },
      },
    });
    const app = express();
    app.use(parlor.router);
    server = createServer(app);
    parlor.attach(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await parlor?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await stores?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('parlor.tokens.issue works for an id only the directory knows, and that token calls the routes', async () => {
    const { token } = await parlor.tokens!.issue(4242);
    const res = await fetch(`${base}/api/conversations`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ conversations: [] });
  });

  it('a token of a user the host deleted is refused with 401 on the upgrade and on HTTP, once the host says so (invalidateUser)', async () => {
    const USER = 4300;
    const { token } = await parlor.tokens!.issue(USER);
    const bearer = { authorization: `Bearer ${token}` };
    const wsUrl = `${base.replace(/^http/, 'ws')}/ws`;
    const send = () =>
      fetch(`${base}/api/messages/private`, { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: JSON.stringify({ to: 4301, content: 'hi' }) });
    expect((await send()).status).toBe(201);
    const asked = hostUsers.asked.length;
    expect((await send()).status).toBe(201);
    expect(hostUsers.asked.length).toBe(asked); // the token's user, as the recipient, is checked from the cache

    hostUsers.deleted.add(USER);
    parlor.invalidateUser(USER); // README: "After deleting a user in the host"
    const upgrade = await upgradeStatus(wsUrl, bearer).catch((err: Error) => `accepted: ${err.message}`);
    expect({ upgrade, send: (await send()).status }).toEqual({ upgrade: 401, send: 401 });
  });

  it('a directory that throws while a token is checked: 503 on the upgrade and on HTTP (an outage, not a signed-out user), the log naming userDirectory', async () => {
    const USER = 4310;
    const { token } = await parlor.tokens!.issue(USER); // never checked before: not in the cache
    const bearer = { authorization: `Bearer ${token}` };
    const logFrom = log.lines.length;
    hostUsers.failing = new Error('host user database unreachable');
    try {
      const upgrade = await upgradeStatus(`${base.replace(/^http/, 'ws')}/ws`, bearer).catch((err: Error) => `accepted: ${err.message}`);
      const http = await fetch(`${base}/api/conversations`, { headers: bearer });
      expect({ upgrade, http: http.status, error: ((await http.json()) as { error: string }).error }).toEqual({ upgrade: 503, http: 503, error: 'unavailable' });
    } finally {
      hostUsers.failing = null;
    }
    expect(log.lines.slice(logFrom).filter((l) => l.interface === 'userDirectory')).toHaveLength(2);
    expect((await fetch(`${base}/api/conversations`, { headers: bearer })).status).toBe(200);
  });

  it('a directory that throws a ParlorError other than not_found (say unavailable) while a token is checked: 503, not 401 (a deleted user)', async () => {
    const { token } = await parlor.tokens!.issue(4500); // never checked before: not in the cache
    const bearer = { authorization: `Bearer ${token}` };
    hostUsers.failing = new ParlorError('unavailable', 'user directory unavailable');
    try {
      expect((await fetch(`${base}/api/conversations`, { headers: bearer })).status).toBe(503);
    } finally {
      hostUsers.failing = null;
    }
    expect((await fetch(`${base}/api/conversations`, { headers: bearer })).status).toBe(200);
  });

  it("mounts no account routes: registering would hand out Parlor ids the directory may mean as someone else's", async () => {
    const res = await fetch(`${base}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'intruder', password: 'correct horse battery' }),
    });
    expect(res.status).toBe(404);
  });
});

describe('adminUsers for host users whose identity carries no username (a header, a bearer token)', () => {
  const [ROOT, PLAIN] = [7007, 7008];
  const profiles: Profile[] = [
    { id: ROOT, username: 'Root' },
    { id: PLAIN, username: 'plain' },
  ];
  const app = useSqliteHostApp({
    adminUsers: ['root'],
    userDirectory: { existing: (ids) => ids.filter((id) => id === ROOT || id === PLAIN), profiles: (ids) => profiles.filter((p) => ids.includes(p.id)) },
  });

  it('the directory names the user: the admin may broadcast over HTTP and WebSocket, anyone else may not', async () => {
    const listener = await app.host.connect(PLAIN);
    await app.host.http.post('/api/broadcast').set(app.host.as(ROOT)).send({ content: 'maintenance at noon' }).expect(202);
    expect(await listener.next('broadcast')).toMatchObject({ from: ROOT, content: 'maintenance at noon' });
    const admin = await app.host.connect(ROOT);
    admin.send({ type: 'broadcast', content: 'over the socket' });
    expect(await listener.next('broadcast', (f) => f.content === 'over the socket')).toMatchObject({ from: ROOT });

    expect((await app.host.http.post('/api/broadcast').set(app.host.as(PLAIN)).send({ content: 'me too' }).expect(403)).body.error).toBe('forbidden');
    listener.send({ type: 'broadcast', content: 'me too' });
    expect(await listener.next('error')).toMatchObject({ code: 'forbidden' });
  });
});
