/**
 * Rule (docs/operations.md, "Limits that protect the server"): everything a
 * stranger can send is bounded in size, rate and cost; the read budget
 * (HTTP_READ_RATE_LIMIT) protects the main thread from one account hammering
 * the conversation list. The list is not paginated, so GET /api/conversations
 * is charged to the read budget by its size: one token per
 * LIST_ROWS_PER_READ (50) conversations listed, the debt paid back before
 * the account's next read is admitted.
 *
 * What used to happen: every call cost one token however many conversations
 * it listed. An account in 1000 groups of 100 messages cost 32-74 ms of
 * synchronous SQLite per call, 20 calls a second after a burst of 60: more
 * than the whole main thread, for one account.
 *
 * Measured here is the budget the calls are charged (how many of a burst are
 * admitted, and the Retry-After after), not a time. Setup writes the rows
 * straight into the SQLite file (as bench/lib/seed-messages.mjs does).
 */
import type { Database } from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIST_ROWS_PER_READ } from '../../src/http/list-read-cost.js';
import { closeAll, registerUser, startTestServer, type TestServer, type TestUser } from '../support/server.js';

const GROUPS = 500; // 10 tokens a list
const BURST = 60;

describe('GET /api/conversations and the read budget', () => {
  let server: TestServer;
  let heavy: TestUser;
  let light: TestUser;

  beforeAll(async () => {
    // A slow refill (1 a second), so the calls below spend the burst alone.
    server = await startTestServer({ HTTP_READ_RATE_LIMIT: '1', HTTP_READ_BURST: String(BURST) });
    [heavy, light] = [await registerUser(server), await registerUser(server)];
    const db = (server.stores as unknown as { db: Database }).db;
    const now = Date.now();
    db.transaction(() => {
      db.prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @groups)
         INSERT INTO groups (name, owner_id, created_at) SELECT 'cost-' || i, @user, @now FROM n`,
      ).run({ groups: GROUPS, user: heavy.id, now });
      db.prepare(
        `INSERT INTO group_members (group_id, user_id, status, updated_at) SELECT id, @user, 'accepted', @now FROM groups WHERE name LIKE 'cost-%'`,
      ).run({ user: heavy.id, now });
      db.prepare(
        `INSERT INTO messages (sender_id, group_id, content, created_at) SELECT @user, id, 'hello', @now FROM groups WHERE name LIKE 'cost-%'`,
      ).run({ user: heavy.id, now });
      // The light account: one private conversation.
      db.prepare(`INSERT INTO messages (sender_id, recipient_id, content, created_at) VALUES (@from, @to, 'hi', @now)`).run({
        from: light.id,
        to: heavy.id,
        now,
      });
    })();
    db.prepare(`INSERT OR IGNORE INTO private_peers (user_id, peer_id) VALUES (@a, @b), (@b, @a)`).run({ a: light.id, b: heavy.id });
  }, 60_000);
  afterAll(closeAll);

  const list = (user: TestUser) => server.http.get('/api/conversations').set('cookie', user.cookie);

  it('charges a long list one token per 50 conversations: a burst of 60 tokens admits 6 lists of 500, then 429 with the debt in Retry-After', async () => {
    const perList = Math.ceil((GROUPS + 1) / LIST_ROWS_PER_READ); // its groups and the light account's private conversation
    const statuses: number[] = [];
    let first: Awaited<ReturnType<typeof list>> | undefined;
    let refused: Awaited<ReturnType<typeof list>> | undefined;
    for (let i = 0; i < 20; i++) {
      const res = await list(heavy);
      statuses.push(res.status);
      first ??= res;
      if (res.status === 429) refused ??= res;
    }
    // The answer itself is unchanged (docs/contract.md): the whole list, most recent first.
    expect(first!.status).toBe(200);
    expect(first!.body.conversations).toHaveLength(GROUPS + 1);
    const admitted = statuses.filter((s) => s === 200).length;
    // ceil(60 / 11) = 6 lists (the last one into debt), and a token or two refilled meanwhile.
    expect(admitted, statuses.join(' ')).toBeGreaterThanOrEqual(Math.ceil(BURST / perList));
    expect(admitted, statuses.join(' ')).toBeLessThanOrEqual(Math.ceil(BURST / perList) + 1);
    expect(refused!.body.error).toBe('rate_limited');
    // The debt of the last list: several seconds at 1 token a second, not the one second of a one-token read.
    expect(Number(refused!.headers['retry-after'])).toBeGreaterThan(1);
  });

  it('a short list still costs one token: the light account gets its whole burst', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await list(light)).status);
    expect(statuses.every((s) => s === 200)).toBe(true);
  });
});
