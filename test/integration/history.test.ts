import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, createGroup, registerUsers, startTestServer, type TestServer, type TestUser } from '../support/server.js';

const error = (code: string) => ({ error: code, message: expect.any(String) });
const SEEDED = 120;

describe('message history', () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let invitee: TestUser;
  let groupId: number;
  /** Ids of the alice<->bob conversation, oldest first. */
  let ab: number[];
  /** Ids of the group, oldest first. */
  let group: number[];
  let carolAlice: number[];

  const get = (user: TestUser, query: string) => server.http.get(`/api/messages/${query}`).set('cookie', user.cookie);
  const ids = (body: { messages: Array<{ id: number }> }) => body.messages.map((m) => m.id);
  /** asc[from..to] (inclusive), newest first. */
  const newestFirst = (asc: number[], from: number, to: number) => asc.slice(from, to + 1).reverse();

  beforeAll(async () => {
    server = await startTestServer();
    [alice, bob, carol, invitee] = await registerUsers(server, 4);
    groupId = await createGroup(server, alice, [bob], [invitee]);
    const { messages } = server.stores;
    // Interleaved conversations, written concurrently (the store's group commit), as a busy server would.
    const saved = await Promise.all(
      Array.from({ length: SEEDED }, (_, i) => [
        messages.savePrivate({ from: i % 2 ? alice.id : bob.id, to: i % 2 ? bob.id : alice.id, content: `ab ${i}` }),
        messages.saveGroup({ from: i % 3 ? alice.id : bob.id, groupId, content: `g ${i}` }),
        ...(i < 5 ? [messages.savePrivate({ from: carol.id, to: alice.id, content: `ca ${i}` })] : []),
      ]).flat(),
    );
    const sorted = (prefix: string) =>
      saved
        .map((s) => s.message)
        .filter((m) => m.content.startsWith(prefix))
        .map((m) => m.id)
        .sort((x, y) => x - y);
    [ab, group, carolAlice] = [sorted('ab '), sorted('g '), sorted('ca ')];
  });
  afterAll(closeAll);

  describe('GET /api/messages/private', () => {
    it('newest first, 50 by default, the message objects of that conversation only', async () => {
      const { body } = await get(alice, `private?user=${bob.id}`).expect(200);
      expect(ids(body)).toEqual(newestFirst(ab, SEEDED - 50, SEEDED - 1));
      expect(body.has_more).toBe(true);
      const newest = body.messages[0];
      expect(newest).toMatchObject({ id: ab[SEEDED - 1], from: alice.id, to: bob.id, content: `ab ${SEEDED - 1}`, timestamp: expect.any(Number) });
      // The same conversation seen from the other side.
      expect(ids((await get(bob, `private?user=${alice.id}`).expect(200)).body)).toEqual(ids(body));
    });

    it('limit up to 100; larger is clamped to 100', async () => {
      for (const limit of [100, 101, 500]) {
        const { body } = await get(alice, `private?user=${bob.id}&limit=${limit}`).expect(200);
        expect(ids(body)).toEqual(newestFirst(ab, SEEDED - 100, SEEDED - 1));
        expect(body.has_more).toBe(true);
      }
      expect(ids((await get(alice, `private?user=${bob.id}&limit=1`).expect(200)).body)).toEqual([ab[SEEDED - 1]]);
    });

    it('offset skips the newest; has_more is exact at the boundary', async () => {
      const exact = (await get(alice, `private?user=${bob.id}&limit=100&offset=20`).expect(200)).body;
      expect(ids(exact)).toEqual(newestFirst(ab, 0, 99));
      expect(exact.has_more).toBe(false);
      const oneLeft = (await get(alice, `private?user=${bob.id}&limit=100&offset=19`).expect(200)).body;
      expect(ids(oneLeft)).toEqual(newestFirst(ab, 1, 100));
      expect(oneLeft.has_more).toBe(true);
      for (const offset of [SEEDED, SEEDED + 50]) {
        expect((await get(alice, `private?user=${bob.id}&offset=${offset}`).expect(200)).body).toEqual({ messages: [], has_more: false });
      }
    });

    it('before=ID returns only ids strictly smaller; has_more is exact at the boundary', async () => {
      const exact = (await get(alice, `private?user=${bob.id}&before=${ab[50]}`).expect(200)).body;
      expect(ids(exact)).toEqual(newestFirst(ab, 0, 49));
      expect(exact.has_more).toBe(false);
      const oneLeft = (await get(alice, `private?user=${bob.id}&before=${ab[51]}`).expect(200)).body;
      expect(ids(oneLeft)).toEqual(newestFirst(ab, 1, 50));
      expect(oneLeft.has_more).toBe(true);
      expect((await get(alice, `private?user=${bob.id}&before=${ab[0]}`).expect(200)).body).toEqual({ messages: [], has_more: false });
      const withOffset = (await get(alice, `private?user=${bob.id}&before=${ab[50]}&offset=10&limit=20`).expect(200)).body;
      expect(ids(withOffset)).toEqual(newestFirst(ab, 20, 39));
      expect(withOffset.has_more).toBe(true);
    });

    it('limit=0 is an empty page whose has_more says whether there is any (0 is neither negative nor a non-integer)', async () => {
      expect((await get(alice, `private?user=${bob.id}&limit=0`).expect(200)).body).toEqual({ messages: [], has_more: true });
      expect((await get(alice, `private?user=${bob.id}&limit=0&before=${ab[0]}`).expect(200)).body).toEqual({ messages: [], has_more: false });
    });

    it('paging with before=<oldest id of the page> walks the whole conversation once', async () => {
      const seen: number[] = [];
      let query = `private?user=${bob.id}&limit=33`;
      for (;;) {
        const { body } = await get(alice, query).expect(200);
        seen.push(...ids(body));
        if (!body.has_more) break;
        query = `private?user=${bob.id}&limit=33&before=${seen[seen.length - 1]}`;
      }
      expect(seen).toEqual([...ab].reverse());
    });

    it.each([
      'limit=abc',
      'limit=-1',
      'limit=1.5',
      'limit=',
      'limit=1e2',
      'limit=1&limit=2',
      'offset=-1',
      'offset=x',
      'offset=2.5',
      'before=-5',
      'before=abc',
    ])('400 for %s', async (query) => {
      expect((await get(alice, `private?user=${bob.id}&${query}`).expect(400)).body).toEqual(error('bad_request'));
    });

    it('before=0 is an empty page and a limit of any size is clamped: only non-integers and negatives are a 400', async () => {
      expect((await get(alice, `private?user=${bob.id}&before=0`).expect(200)).body).toEqual({ messages: [], has_more: false });
      const huge = (await get(alice, `private?user=${bob.id}&limit=1000000000000000`).expect(200)).body;
      expect(huge.messages.length).toBeGreaterThan(0);
      expect(huge.messages.length).toBeLessThanOrEqual(100);
    });

    it('bounds offset at 1000 (deeper pages use before=): beyond is a 400 naming before, not a scan', async () => {
      expect((await get(alice, `private?user=${bob.id}&offset=1000`).expect(200)).body).toEqual({ messages: [], has_more: false });
      for (const offset of ['1001', '999999999999999']) {
        const res = await get(alice, `private?user=${bob.id}&offset=${offset}`).expect(400);
        expect(res.body).toEqual(error('bad_request'));
        expect(res.body.message).toBe('offset: must be at most 1000; page further back with before=<oldest id>');
      }
      await get(alice, `private?user=${bob.id}&offset=1001&before=${Number.MAX_SAFE_INTEGER}`).expect(400);
    });

    it.each(['private', 'private?user=', 'private?user=abc', 'private?user=0', 'private?user=-2'])('400 for %s', async (query) => {
      expect((await get(alice, query).expect(400)).body).toEqual(error('bad_request'));
    });

    it('IDOR: ?user=A gives carol only the carol<->alice conversation, never alice<->bob', async () => {
      const { body } = await get(carol, `private?user=${alice.id}&limit=100`).expect(200);
      expect(ids(body)).toEqual([...carolAlice].reverse());
      for (const m of body.messages) expect([m.from, m.to].sort()).toEqual([alice.id, carol.id].sort());
      expect((await get(carol, `private?user=${bob.id}`).expect(200)).body).toEqual({ messages: [], has_more: false });
      // Nor does alice see carol's conversation when asking about bob.
      expect(ids((await get(alice, `private?user=${bob.id}&limit=100`).expect(200)).body)).not.toContain(carolAlice[0]);
    });
  });

  describe('GET /api/messages/group', () => {
    it('newest first, 50 by default, has_more, offset and before like private history', async () => {
      const first = (await get(bob, `group?group=${groupId}`).expect(200)).body;
      expect(ids(first)).toEqual(newestFirst(group, SEEDED - 50, SEEDED - 1));
      expect(first.has_more).toBe(true);
      expect(first.messages[0]).toEqual({
        id: group[SEEDED - 1],
        from: expect.any(Number),
        group_id: groupId,
        content: `g ${SEEDED - 1}`,
        timestamp: expect.any(Number),
      });
      const clamped = (await get(bob, `group?group=${groupId}&limit=1000`).expect(200)).body;
      expect(ids(clamped)).toHaveLength(100);
      const exact = (await get(bob, `group?group=${groupId}&limit=100&offset=20`).expect(200)).body;
      expect(ids(exact)).toEqual(newestFirst(group, 0, 99));
      expect(exact.has_more).toBe(false);
      const before = (await get(bob, `group?group=${groupId}&before=${group[10]}&limit=5`).expect(200)).body;
      expect(ids(before)).toEqual(newestFirst(group, 5, 9));
      expect(before.has_more).toBe(true);
    });

    it.each(['limit=abc', 'limit=-3', 'offset=-1', 'offset=1.5', 'before=x'])('400 for %s', async (query) => {
      expect((await get(alice, `group?group=${groupId}&${query}`).expect(400)).body).toEqual(error('bad_request'));
    });

    it.each(['group', 'group?group=', 'group?group=abc', 'group?group=0'])('400 for %s', async (query) => {
      expect((await get(alice, query).expect(400)).body).toEqual(error('bad_request'));
    });

    it('403 for a user who is not an accepted member: a stranger, an invitee before accepting', async () => {
      expect((await get(carol, `group?group=${groupId}`).expect(403)).body).toEqual(error('forbidden'));
      expect((await get(carol, `group?group=${groupId}&before=${group[10]}`).expect(403)).body).toEqual(error('forbidden'));
      expect((await get(invitee, `group?group=${groupId}`).expect(403)).body).toEqual(error('forbidden'));
    });

    it('404 for a missing group, whoever asks', async () => {
      expect((await get(carol, 'group?group=999999').expect(404)).body).toEqual(error('not_found'));
      expect((await get(alice, 'group?group=999999').expect(404)).body).toEqual(error('not_found'));
    });

    it('an invitee reads the history once accepted (including what was said before)', async () => {
      await server.http.post(`/api/groups/${groupId}/accept`).set('cookie', invitee.cookie).expect(200);
      const { body } = await get(invitee, `group?group=${groupId}&limit=100&offset=20`).expect(200);
      expect(ids(body)).toEqual(newestFirst(group, 0, 99));
    });
  });
});
