/**
 * The host's own group code, as in examples/existing-app, calls
 * `parlor.invalidateGroup(groupId)` after changing a group's members and tells
 * the member with `parlor.manager.notify(userId, ...)`. Ids read from
 * PostgreSQL bigint columns (or a JSON body) are numeric strings: like
 * Parlor's other host calls (disconnectUser, invalidateUser, tokens.*,
 * test/integration/host-user-ids.test.ts), these two read digits as the id and
 * refuse anything else with a TypeError naming the call.
 *
 * It used to be that invalidateGroup('9101') forgot nothing (the member just
 * added stayed forbidden) and notify('912') stored a notification that never
 * reached the user's socket.
 */
import { expect, it } from 'vitest';
import { hostGroups } from '../support/host-groups.js';
import { useSqliteHostApp } from '../support/host-app.js';

const ALICE = 911;
const BOB = 912;
const CAROL = 913;
const TEAM = 9101;
const tables = new Map([[TEAM, { name: 'team', members: [ALICE, BOB] }]]);
const users = new Set([ALICE, BOB, CAROL]);

const app = useSqliteHostApp({
  userDirectory: { existing: (ids) => ids.filter((id) => users.has(id)) },
  groupMemberFetcher: hostGroups(tables),
});

it('invalidateGroup with the group id as a numeric string lets the member just added write', async () => {
  // The members are cached by Parlor (one group message warms the cache).
  await app.host.http.post('/api/messages/group').set(app.host.as(ALICE)).send({ group_id: TEAM, content: 'hello team' }).expect(201);
  tables.get(TEAM)!.members.push(CAROL); // the host's INSERT INTO group_members committed
  app.host.parlor.invalidateGroup(String(TEAM) as unknown as number);
  const res = await app.host.http.post('/api/messages/group').set(app.host.as(CAROL)).send({ group_id: TEAM, content: 'hi, I am new' });
  expect({ status: res.status, error: res.body.error }).toEqual({ status: 201, error: undefined });
});

it("manager.notify with the user id as a numeric string reaches the user's socket", async () => {
  const bob = await app.host.connect(BOB);
  await app.host.parlor.manager.notify(String(BOB) as unknown as number, 'group_added', 'you were added to team', { group_id: TEAM });
  expect(await bob.next('notification', undefined, 2000)).toMatchObject({ subtype: 'group_added', message: 'you were added to team' });
});

it('an id that is not a positive integer is a TypeError naming the call', async () => {
  expect(() => app.host.parlor.invalidateGroup('team' as unknown as number)).toThrow(/^invalidateGroup: a group id is a positive integer/);
  await expect(app.host.parlor.manager.notify('bob' as unknown as number, 'x', 'y')).rejects.toThrow(TypeError);
  await expect(app.host.parlor.manager.notify(0, 'x', 'y')).rejects.toThrow(/^notify: a user id/);
});
