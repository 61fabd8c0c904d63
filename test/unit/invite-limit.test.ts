import { describe, expect, it } from 'vitest';
import { ParlorError } from '../../src/errors.js';
import { INVITE_LIMIT, nextInviteWindow } from '../../src/store/domain/invitations.js';

describe('the invitation window of one user and one group', () => {
  const day = INVITE_LIMIT.windowMs;

  it('starts with the first invitation and counts each one', () => {
    expect(nextInviteWindow(undefined, 1000, 1, 2)).toEqual({ invite_count: 1, invite_window_at: 1000 });
    expect(nextInviteWindow({ invite_count: 1, invite_window_at: 1000 }, 5000, 1, 2)).toEqual({ invite_count: 2, invite_window_at: 1000 });
  });

  it(`refuses invitation ${INVITE_LIMIT.invites + 1} within the window with rate_limited`, () => {
    const full = { invite_count: INVITE_LIMIT.invites, invite_window_at: 1000 };
    expect(() => nextInviteWindow(full, 1000 + day - 1, 1, 2)).toThrow(ParlorError);
    try {
      nextInviteWindow(full, 1000 + day - 1, 1, 2);
    } catch (err) {
      expect((err as ParlorError).code).toBe('rate_limited');
    }
  });

  it('opens a new window once the old one is a day old (rows from before migration 003 have an expired one)', () => {
    const full = { invite_count: INVITE_LIMIT.invites, invite_window_at: 1000 };
    expect(nextInviteWindow(full, 1000 + day, 1, 2)).toEqual({ invite_count: 1, invite_window_at: 1000 + day });
    expect(nextInviteWindow({ invite_count: 0, invite_window_at: 0 }, Date.now(), 1, 2).invite_count).toBe(1);
  });
});
