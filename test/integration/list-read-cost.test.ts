/**
 * Rule (docs/operations.md, "Limits that protect the server"): a read whose
 * answer grows with the data and is not paginated is charged to the read
 * budget (HTTP_READ_RATE_LIMIT) by its size, one token per LIST_ROWS_PER_READ
 * (50) rows, the debt paid back before the account's next read is admitted:
 * the conversation list (conversations-read-cost.test.ts), a group's members
 * and the online contacts.
 *
 * What used to happen: `GET /api/groups/:id/members` listed up to 5000 members
 * with their profiles (about 30 ms and 250 KB per call at 5000, synchronous
 * SQLite on the main thread) for one token, and anyone may fill a group that
 * far alone (invitees count and are listed). `GET /api/users/online` looked up
 * up to 5000 contacts for one token too. One account could ask 60 at once and
 * 20 a second.
 *
 * Measured here is the budget the calls are charged (which calls are
 * admitted, and the Retry-After after), not a time. Setup writes the rows
 * straight into the SQLite file.
 */
import type { Database } from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIST_ROWS_PER_READ } from '../../src/http/list-read-cost.js';
import { closeAll, createGroup, registerUser, startTestServer, type TestServer, type TestUser } from '../support/server.js';

const MEMBERS = 5000; // GROUP_LIMITS.membersPerGroup: 100 tokens a list
const BURST = 60;

describe('list reads charged by their size', () => {
  let server: TestServer;
  /** Owns a full group whose other 4999 members are invitees (listed, not contacts). */
  let inviter: TestUser;
  /** Owns a full group whose other 4999 members accepted: 4999 contacts. */
  let popular: TestUser;
  let invitedGroup: number;

  beforeAll(async () => {
    // A slow refill (1 a second), so the calls below spend the burst alone.
    server = await startTestServer({ HTTP_READ_RATE_LIMIT: '1', HTTP_READ_BURST: String(BURST) });
    [inviter, popular] = [await registerUser(server), await registerUser(server)];
    const db = (server.stores as unknown as { db: Database }).db;
    const now = Date.now();
    const addGroup = db.prepare('INSERT INTO groups (name, owner_id, created_at) VALUES (?, ?, ?)');
    const addMember = db.prepare('INSERT INTO group_members (group_id, user_id, status, invited_by, updated_at) VALUES (?, ?, ?, ?, ?)');
    const addUser = db.prepare('INSERT INTO users (username, password_hash, created_at) VALUES (?, ?, ?)');
    db.transaction(() => {
      invitedGroup = Number(addGroup.run('full of invitees', inviter.id, now).lastInsertRowid);
      const acceptedGroup = Number(addGroup.run('full of contacts', popular.id, now).lastInsertRowid);
      addMember.run(invitedGroup, inviter.id, 'accepted', null, now);
      addMember.run(acceptedGroup, popular.id, 'accepted', null, now);
      for (let i = 1; i < MEMBERS; i++) {
        const id = addUser.run(`listed${i}`, 'x', now).lastInsertRowid;
        addMember.run(invitedGroup, id, 'invited', inviter.id, now);
        addMember.run(acceptedGroup, id, 'accepted', popular.id, now);
      }
    })();
  }, 60_000);
  afterAll(closeAll);

  const get = (user: TestUser, path: string) => server.http.get(path).set('cookie', user.cookie);

  /** Lists `path` 20 times in a row: the first is answered whole, the next ones wait for the debt to be paid back. */
  async function expectChargedBySize(user: TestUser, path: string, rows: (body: any) => unknown[], expectedRows: number): Promise<void> {
    const statuses: number[] = [];
    let first: Awaited<ReturnType<typeof get>> | undefined;
    let refused: Awaited<ReturnType<typeof get>> | undefined;
    for (let i = 0; i < 20; i++) {
      const res = await get(user, path);
      statuses.push(res.status);
      first ??= res;
      if (res.status === 429) refused ??= res;
    }
    // The answer itself is unchanged: the whole list.
    expect(first!.status).toBe(200);
    expect(rows(first!.body)).toHaveLength(expectedRows);
    // One list of 5000 costs 100 tokens, more than the burst of 60: the next one in a row is refused, as are the rest.
    expect(Math.ceil(MEMBERS / LIST_ROWS_PER_READ)).toBeGreaterThan(BURST);
    expect(statuses.filter((s) => s === 200), statuses.join(' ')).toHaveLength(1);
    expect(refused!.body.error).toBe('rate_limited');
    // The debt of the list: tens of seconds at 1 token a second, not the one second of a one-token read.
    expect(Number(refused!.headers['retry-after'])).toBeGreaterThan(30);
  }

  it('GET /api/groups/:id/members of a full group costs one token per 50 members: the second listing in a row waits', async () => {
    await expectChargedBySize(inviter, `/api/groups/${invitedGroup}/members`, (body) => body.members, MEMBERS);
  });

  it('GET /api/users/online with 4999 contacts costs one token per 50 contacts: the second call in a row waits', async () => {
    // Nobody else is online: the answer is empty, the contacts were looked up all the same.
    await expectChargedBySize(popular, '/api/users/online', (body) => body.users, 0);
  });

  it('short lists still cost one token: a member of a small group gets its whole burst of both', async () => {
    const light = await registerUser(server);
    const group = await createGroup(server, light);
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      statuses.push((await get(light, `/api/groups/${group}/members`)).status, (await get(light, '/api/users/online')).status);
    }
    expect(statuses.every((s) => s === 200), statuses.join(' ')).toBe(true);
  });
});
