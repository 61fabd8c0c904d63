/**
 * Mutant I4b (src/store/domain/group-limits.ts, GROUP_LIMITS): `pendingInvitesPerInviter: 10` -> `20`
 * survives the store contract (test/store/contract/groups.ts), test/store/group-limits.test.ts and
 * test/integration/invite-pending-limits.test.ts: every one of them reads the limit from GROUP_LIMITS.
 * (`10` -> `11`, mutant I4, is killed only by accident: invite-pending-limits divides 100 by the limit
 * to count its strangers, and 100 / 11 is no integer; 5, 20, 25, 50 or 100 pass.) docs/contract.md ("how big Parlor's own groups get"): "one inviter may have at
 * most 10 of them waiting for the same user (across groups; the 11th is a 409 `conflict`, "user N has
 * not answered 10 of your invitations yet")". This probe uses the documented number itself.
 * Passes on the current code; fails with any other value of the limit.
 */
import { describe, expect, it } from 'vitest';
import { isParlorError } from '../../src/errors.js';
import { useTempDir } from './sqlite-support.js';

describe('one inviter, one invitee: the 11th unanswered invitation is refused (docs/contract.md: 10)', () => {
  const tmp = useTempDir();
  it('10 pass, the 11th is a conflict naming 10', async () => {
    const stores = tmp.open({ writer: 'inline' });
    const [inviter, invitee] = [700, 701];
    const outcomes: string[] = [];
    for (let i = 1; i <= 11; i++) {
      const g = await stores.groups.createGroup(inviter, `g${i}`);
      try {
        await stores.groups.invite(g.id, invitee, inviter);
        outcomes.push('invited');
      } catch (err) {
        outcomes.push(isParlorError(err) ? `${err.code}: ${err.message}` : String(err));
      }
    }
    expect(outcomes).toEqual([
      ...Array(10).fill('invited'),
      `conflict: user ${invitee} has not answered 10 of your invitations yet, the most one user may have waiting from you`,
    ]);
  });
});
