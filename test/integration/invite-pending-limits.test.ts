/**
 * The pending-invitation limits over HTTP (docs/contract.md, "how big
 * Parlor's own groups get"), on each bundled store. Anyone may invite anyone,
 * so a user's 100 pending slots are a limit others fill: one inviter holds at
 * most 10 of them (409 `conflict`), and those from inviters the user blocks
 * do not count, so strangers cannot keep the user's friends from inviting.
 */
import { expect, it } from 'vitest';
import { GROUP_LIMITS } from '../../src/store/domain/group-limits.js';
import { describeOnEveryStore } from '../support/every-store.js';
import { createGroup, registerUsers, type TestServer, type TestUser } from '../support/server.js';

const PER_INVITER = GROUP_LIMITS.pendingInvitesPerInviter;

/** `count` new groups of `by`, each inviting `user`: the answers' statuses. */
async function inviteToNewGroups(server: TestServer, by: TestUser, user: TestUser, count: number): Promise<number[]> {
  const statuses = [];
  for (let i = 0; i < count; i++) {
    const { body } = await server.http.post('/api/groups').set('cookie', by.cookie).send({ name: `FREE PRIZES ${i}` }).expect(201);
    statuses.push((await server.http.post('/api/groups/invite').set('cookie', by.cookie).send({ group_id: body.id, user_id: user.id })).status);
  }
  return statuses;
}

await describeOnEveryStore('pending invitations and the inviters who fill them', (on) => {
  it(`one inviter: ${PER_INVITER} unanswered invitations to one user, then 409 conflict naming the limit`, async () => {
    const [pest, target] = await registerUsers(on.server, 2);
    expect(await inviteToNewGroups(on.server, pest, target, PER_INVITER)).toEqual(Array(PER_INVITER).fill(201));
    const { body: group } = await on.server.http.post('/api/groups').set('cookie', pest.cookie).send({ name: 'one more' }).expect(201);
    const res = await on.server.http.post('/api/groups/invite').set('cookie', pest.cookie).send({ group_id: group.id, user_id: target.id }).expect(409);
    expect(res.body).toEqual({
      error: 'conflict',
      message: `user ${target.id} has not answered ${PER_INVITER} of your invitations yet, the most one user may have waiting from you`,
    });
    const pending = (await on.server.http.get('/api/groups').set('cookie', target.cookie).expect(200)).body.groups;
    expect(pending).toHaveLength(PER_INVITER);
  });

  it("strangers who filled a user's pending slots stop counting once blocked: a friend invites again", async () => {
    const [victim, friend] = await registerUsers(on.server, 2);
    await createGroup(on.server, friend, [victim], [], 'Friends');
    const strangers = await registerUsers(on.server, GROUP_LIMITS.pendingInvitesPerUser / PER_INVITER);
    await Promise.all(strangers.map((s) => inviteToNewGroups(on.server, s, victim, PER_INVITER)));

    const { body: club } = await on.server.http.post('/api/groups').set('cookie', friend.cookie).send({ name: 'Book club' }).expect(201);
    const invite = () => on.server.http.post('/api/groups/invite').set('cookie', friend.cookie).send({ group_id: club.id, user_id: victim.id });
    expect((await invite()).status).toBe(409); // the victim has 100 to answer
    for (const s of strangers) await on.server.http.post(`/api/users/${s.id}/block`).set('cookie', victim.cookie).expect(201);
    await invite().expect(201);
  }, 60_000);
});
