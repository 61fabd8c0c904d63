/**
 * Mutant (src/session/gone-sessions.ts): `GONE_SESSIONS_KEPT = 10_000` -> `1` survived
 * test/unit/gone-sessions.test.ts (which sizes its own GoneSessions) and
 * test/integration/session-ended-cookie-reads.test.ts (one ended cookie only). Parlor's session
 * stores build `new GoneSessions()`: with room for one id, two strangers' old cookies (or one
 * stranger with two) would push each other out and every request would read the store again,
 * the cost GoneSessions exists to bound.
 */
import { describe, expect, it } from 'vitest';
import { GONE_SESSIONS_KEPT, GoneSessions } from '../../src/session/gone-sessions.js';

describe('GoneSessions by default (as the session stores build it)', () => {
  it('remembers 10,000 ended sessions at once', () => {
    expect(GONE_SESSIONS_KEPT).toBe(10_000);
    const gone = new GoneSessions();
    const ids = Array.from({ length: 10_000 }, (_, i) => `ended-${i}`);
    for (const id of ids) gone.missed(id, gone.lookingUp());
    expect(ids.filter((id) => !gone.has(id))).toEqual([]);
  });
});
