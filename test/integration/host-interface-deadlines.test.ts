/**
 * Every call to a host's interface has a deadline (`interfaceTimeoutMs`,
 * src/interface-failure.ts guardInterface): a call that has not answered
 * within it fails as the interface failing, which every path already answers
 * (503 `unavailable` on HTTP and the upgrade, an `error` frame for a message,
 * a session re-check given up until the next one). Without it, one hung call
 * held a block, a socket's later messages, every HTTP route or the re-check
 * for good. Also: the session ids a host resolver answers, read as the other
 * interfaces' ids are (src/composition/host-session-ids.ts).
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createParlor } from '../../src/app.js';
import { openSqliteStores } from '../../src/store/sqlite/index.js';
import type { GroupMemberFetcher } from '../../src/websocket/group-member-fetcher.js';
import type { SessionResolver } from '../../src/websocket/session-resolver.js';
import type { UserDirectory } from '../../src/websocket/user-directory.js';
import { FakeSocket } from '../support/fake-socket.js';
import { HOST_USER_HEADER, useSqliteHostApp } from '../support/host-app.js';
import { captureLogger, closeAll, connectClient, upgradeStatus, type TestClient } from '../support/server.js';

const DEADLINE_MS = 100;
const never = <T>() => new Promise<T>(() => {});

/** How the message with this client_id ended: `ack` or `error <code>`. */
function outcome(client: TestClient, clientId: string): Promise<string> {
  return Promise.race([
    client.next('ack', (f) => f.client_id === clientId, 3000).then(() => 'ack'),
    client.next('error', (f) => f.client_id === clientId, 3000).then((f) => `error ${f.code}`),
  ]).catch((err: Error) => err.message);
}

describe('a block while the host contactsOf hangs', () => {
  const ALICE = 1001;
  const HARASSER = 1002;
  const app = useSqliteHostApp({
    interfaceTimeoutMs: DEADLINE_MS,
    groupMemberFetcher: { acceptedMembers: () => null, contactsOf: () => never<number[]>() },
    userDirectory: { existing: (ids) => ids.filter((id) => id === ALICE || id === HARASSER) },
  });
  afterAll(closeAll);

  it('is still made and answered', async () => {
    const res = await app.host.http.post(`/api/users/${HARASSER}/block`).set(app.host.as(ALICE)).timeout(3000);
    expect(res.status).toBe(201);
    const blocked = await app.host.http.get('/api/users/blocked').set(app.host.as(ALICE)).timeout(3000);
    expect((blocked.body.users as Array<{ user_id: number }>).map((u) => u.user_id)).toEqual([HARASSER]);
  });
});

describe('a hung host call on the send path', () => {
  const ALICE = 701;
  const BOB = 702;
  const SLOW = 703; // the one user whose lookup hangs
  const HUNG_GROUP = 77; // the one group whose members hang
  const known = new Set([ALICE, BOB, SLOW]);
  const directory: UserDirectory = {
    existing: (ids) => (ids.includes(SLOW) ? never<number[]>() : ids.filter((id) => known.has(id))),
  };
  const fetcher: GroupMemberFetcher = {
    acceptedMembers: (groupId) => (groupId === HUNG_GROUP ? never<number[]>() : null),
  };
  let policyHangs = false;
  const app = useSqliteHostApp({
    interfaceTimeoutMs: DEADLINE_MS,
    userDirectory: directory,
    groupMemberFetcher: fetcher,
    messagePolicy: { check: () => (policyHangs ? never() : Promise.resolve({ allow: true as const })) },
  });
  afterAll(closeAll);

  it('userDirectory.existing: that message ends in an error, the later one is acked', async () => {
    const alice = await app.host.connect(ALICE);
    alice.send({ type: 'private', to: BOB, content: 'first', client_id: 'c1' });
    expect(await outcome(alice, 'c1')).toBe('ack');
    alice.send({ type: 'private', to: SLOW, content: 'to slow', client_id: 'c2' });
    alice.send({ type: 'private', to: BOB, content: 'second', client_id: 'c3' });
    expect(await Promise.all([outcome(alice, 'c2'), outcome(alice, 'c3')])).toEqual(['error internal', 'ack']);
  });

  it('groupMemberFetcher.acceptedMembers: the same', async () => {
    const alice = await app.host.connect(ALICE);
    alice.send({ type: 'group', group_id: HUNG_GROUP, content: 'hello', client_id: 'g1' });
    alice.send({ type: 'private', to: BOB, content: 'after the group', client_id: 'g2' });
    expect(await Promise.all([outcome(alice, 'g1'), outcome(alice, 'g2')])).toEqual(['error internal', 'ack']);
  });

  it('messagePolicy.check: the same, and HTTP answers 503', async () => {
    const alice = await app.host.connect(ALICE);
    policyHangs = true;
    alice.send({ type: 'private', to: BOB, content: 'held', client_id: 'p1' });
    const held = outcome(alice, 'p1');
    await new Promise((r) => setTimeout(r, 20));
    policyHangs = false;
    alice.send({ type: 'private', to: BOB, content: 'let through', client_id: 'p2' });
    expect(await Promise.all([held, outcome(alice, 'p2')])).toEqual(['error internal', 'ack']);
    policyHangs = true;
    const res = await app.host.http
      .post('/api/messages/private')
      .set(app.host.as(ALICE))
      .send({ to: BOB, content: 'over http', client_id: 'p3' })
      .timeout(3000)
      .ok(() => true);
    policyHangs = false;
    expect({ status: res.status, error: (res.body as { error?: string }).error }).toEqual({ status: 503, error: 'unavailable' });
  });
});

describe('a sessionResolver that never answers', () => {
  const hung: SessionResolver = { resolve: () => never() };
  // interfaceTimeoutMs not given: sessionTimeoutMs bounds the lookup on HTTP as on the upgrade.
  const app = useSqliteHostApp({ sessionResolver: hung, sessionTimeoutMs: DEADLINE_MS });
  afterAll(closeAll);

  it('answers HTTP 503 unavailable after sessionTimeoutMs, as the upgrade', async () => {
    const res = await app.host.http.get('/api/conversations').timeout(3000).ok(() => true);
    expect({ status: res.status, error: res.body?.error }).toEqual({ status: 503, error: 'unavailable' });
    expect(await upgradeStatus(app.host.wsUrl)).toBe(503);
  });
});

describe('a sessionResolver answering the user id in digits', () => {
  const ALICE = 901;
  const BOB = 902;
  const stringIds: SessionResolver = {
    resolve(req) {
      const id = req.headers[HOST_USER_HEADER];
      if (id === 'not-an-id') return { userId: 'u-7' as unknown as number, via: 'token' };
      return typeof id === 'string' && /^\d+$/.test(id) ? { userId: id as unknown as number, via: 'token' } : null;
    },
  };
  const app = useSqliteHostApp({
    sessionResolver: stringIds,
    userDirectory: { existing: (ids) => ids.filter((id) => id === ALICE || id === BOB) },
  });
  afterAll(closeAll);

  it('reads it as the number: welcome, delivery and from', async () => {
    const bob = await app.host.connect(BOB);
    const alice = await app.host.connect(ALICE);
    expect(bob.frames.find((f) => f.type === 'welcome')!.user_id).toBe(BOB);
    alice.send({ type: 'private', to: BOB, content: 'hi bob', client_id: 'x1' });
    expect(await outcome(alice, 'x1')).toBe('ack');
    expect((await bob.next('private', () => true, 2000)).from).toBe(ALICE);
  });

  it('an id that is no id is the resolver failing: 503', async () => {
    const res = await app.host.http.get('/api/conversations').set(HOST_USER_HEADER, 'not-an-id').ok(() => true);
    expect({ status: res.status, error: res.body?.error }).toEqual({ status: 503, error: 'unavailable' });
    expect(await upgradeStatus(app.host.wsUrl, { [HOST_USER_HEADER]: 'not-an-id' })).toBe(503);
  });
});

describe('the session re-check and a host stillValid', () => {
  /** A Parlor whose cookie socket (session '42') is re-checked every 20 ms by `stillValid`. */
  async function recheckedBy(stillValid: (ids: readonly string[]) => unknown) {
    const stores = openSqliteStores({ path: ':memory:', writer: 'inline' });
    const { logger, lines } = captureLogger();
    let asked = 0;
    const parlor = createParlor({
      stores,
      logger,
      sessionResolver: { resolve: () => null, stillValid: ((ids: readonly string[]) => (asked++, stillValid(ids))) as never },
      tokens: false,
      interfaceTimeoutMs: DEADLINE_MS,
      manager: { sessionRecheckMs: 20 },
    });
    const socket = new FakeSocket();
    parlor.manager.addConnection(socket, { userId: 1, via: 'cookie', sessionId: '42' });
    return {
      socket,
      lines,
      asked: () => asked,
      close: async () => {
        await parlor.close();
        await stores.close();
      },
    };
  }

  it('one that hangs once is given up, and the next check closes a session ended meanwhile', async () => {
    let live = true;
    let calls = 0;
    const p = await recheckedBy((ids) => (++calls === 1 ? never() : ids.filter(() => live)));
    await vi.waitFor(() => expect(calls).toBe(1), { timeout: 1000, interval: 5 });
    live = false;
    await vi.waitFor(() => expect(p.socket.closeCode).toBe(4401), { timeout: 2000, interval: 10 });
    expect(p.lines.some((l) => l.msg.startsWith('session re-check failed') && /did not answer within 100 ms/.test(l.err?.message ?? ''))).toBe(true);
    await p.close();
  });

  it.each([
    ['session ids as numbers', (ids: readonly string[]) => ids.map(Number)],
    ['session ids as numbers, async', async (ids: readonly string[]) => ids.map(Number)],
    ['nothing (undefined)', async () => undefined],
    ['a number', () => 42],
  ])('an answer of %s keeps the live session open', async (_, stillValid) => {
    const p = await recheckedBy(stillValid);
    await vi.waitFor(() => expect(p.asked()).toBeGreaterThanOrEqual(1), { timeout: 2000, interval: 5 });
    await new Promise((r) => setTimeout(r, 150)); // several more checks
    expect({ closeCode: p.socket.closeCode, checkedAgain: p.asked() > 1 }).toEqual({ closeCode: undefined, checkedAgain: true });
    await p.close();
  });

  it('an answer that is no list is logged as the resolver failing', async () => {
    const p = await recheckedBy(async () => undefined);
    await vi.waitFor(() => expect(p.lines.some((l) => l.msg.startsWith('session re-check failed'))).toBe(true), { timeout: 2000, interval: 5 });
    await p.close();
  });
});

describe('a host resolver that reads a cookie and leaves out `via`', () => {
  // Read as a cookie (src/composition/host-session-ids.ts): the Origin check (host-resolver-origin.test.ts) and
  // the session re-check both apply. Before, such a socket was never re-checked and outlived its session.
  const USER = 1101;
  let live = true;
  const noVia: SessionResolver = {
    resolve(req) {
      const id = req.headers[HOST_USER_HEADER];
      return id === String(USER) ? ({ userId: USER, sessionId: 'host-session-1' } as never) : null;
    },
    stillValid: (ids) => ids.filter(() => live),
  };
  const app = useSqliteHostApp({
    sessionResolver: noVia,
    userDirectory: { existing: (ids) => ids.filter((id) => id === USER) },
    manager: { sessionRecheckMs: 20 },
  });
  afterAll(closeAll);

  it('is re-checked like a cookie: the socket closes with 4401 once the session ended', async () => {
    const client = await app.host.connect(USER);
    live = false;
    const closed = await Promise.race([client.closed, new Promise((r) => setTimeout(() => r('still open after 2 s'), 2000))]);
    expect(closed).toMatchObject({ code: 4401 });
  });
});

describe('a host resolver whose session ids are integers', () => {
  // Read as their digits at resolve, as stillValid's answer is: before, the re-check looked the number 7 up among
  // the strings it read ('7') and closed the live session's socket, and disconnectSession('7') matched nothing.
  const live = new Set<number>([7]);
  const integerSessions: SessionResolver = {
    resolve: (req) => (req.headers['x-sid'] === '7' ? ({ userId: 1201, sessionId: 7, via: 'cookie' } as never) : null),
    stillValid: (ids) => ids.map(Number).filter((id) => live.has(id)) as never,
  };
  const app = useSqliteHostApp({ sessionResolver: integerSessions, userDirectory: { existing: (ids) => ids.filter((id) => id === 1201) } });
  afterAll(closeAll);

  it('keeps a live session through the re-check, and disconnectSession ends it', async () => {
    const client = await connectClient(app.host, undefined, { headers: { 'x-sid': '7' } });
    expect(await app.host.parlor.manager.recheckSessions()).toBe(0);
    app.host.parlor.disconnectSession('7');
    const closed = await Promise.race([client.closed, new Promise((r) => setTimeout(() => r('still open after 2 s'), 2000))]);
    expect(closed).toMatchObject({ code: 4401 });
  });
});

describe('a messagePolicy given as a Manager option (createParlor({ manager: { messagePolicy } }))', () => {
  // It once reached the Manager as given, with no deadline: a hung check held every later message of the socket.
  const ALICE = 1301;
  const BOB = 1302;
  let hang = false;
  const app = useSqliteHostApp({
    interfaceTimeoutMs: DEADLINE_MS,
    userDirectory: { existing: (ids) => ids.filter((id) => id === ALICE || id === BOB) },
    manager: { messagePolicy: { check: () => (hang ? never() : Promise.resolve({ allow: true as const })) } },
  });
  afterAll(closeAll);

  it('is bounded by interfaceTimeoutMs like the top-level one', async () => {
    const alice = await app.host.connect(ALICE);
    alice.send({ type: 'private', to: BOB, content: 'allowed', client_id: 'm1' });
    expect(await outcome(alice, 'm1')).toBe('ack');
    hang = true;
    alice.send({ type: 'private', to: BOB, content: 'held', client_id: 'm2' });
    const held = outcome(alice, 'm2');
    await new Promise((r) => setTimeout(r, 20));
    hang = false;
    alice.send({ type: 'private', to: BOB, content: 'after', client_id: 'm3' });
    expect(await Promise.all([held, outcome(alice, 'm3')])).toEqual(['error internal', 'ack']);
  });
});

describe('one host object as userDirectory and groupMemberFetcher', () => {
  // Each interface gets its own wrapper: the object was once prepared as the fetcher and handed to the directory
  // too (no `existing` there), so every private send answered `internal`.
  const ALICE = 1501;
  const BOB = 1502;
  const GROUP = 15;
  const backend = {
    existing: (ids: readonly number[]) => ids.filter((id) => id === ALICE || id === BOB),
    acceptedMembers: (groupId: number) => (groupId === GROUP ? [ALICE, BOB] : null),
  };
  const app = useSqliteHostApp({ userDirectory: backend, groupMemberFetcher: backend });
  afterAll(closeAll);

  it('serves as both: a private and a group message are acked', async () => {
    const alice = await app.host.connect(ALICE);
    alice.send({ type: 'private', to: BOB, content: 'hi', client_id: 'p1' });
    alice.send({ type: 'group', group_id: GROUP, content: 'hi all', client_id: 'g1' });
    expect([await outcome(alice, 'p1'), await outcome(alice, 'g1')]).toEqual(['ack', 'ack']);
  });
});
