/**
 * The client's typing stop asks the audience too (Manager.onTypingStop). When that lookup fails with an outage
 * (not a refusal), the stop still reaches those shown the typing, and the outage is reported as for any frame:
 * logged, not swallowed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, framesOf, nextFrame, settle, type Harness } from '../support/mocks.js';
import { captureLogger } from '../support/server.js';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

describe('Manager: a typing stop whose audience lookup fails', () => {
  it('still takes the indicator down for those shown it, and logs the outage', async () => {
    const { logger, lines } = captureLogger('debug');
    h = createHarness({ groups: { 7: { accepted: [1, 2] } }, options: { logger } });
    const [a, b] = [h.connect(1), h.connect(2)];
    a.receive({ type: 'typing', group_id: 7, is_typing: true });
    expect(await nextFrame(b, 'typing')).toMatchObject({ from: 1, group_id: 7, is_typing: true });

    h.groups.acceptedMembers.mockImplementation(() => {
      throw new Error('groups database down');
    });
    const before = lines.length;
    a.receive({ type: 'typing', group_id: 7, is_typing: false });
    await settle();

    expect(framesOf(b, 'typing').map((f) => f.is_typing)).toEqual([true, false]);
    const logged = lines.slice(before).filter((l) => l.level >= 40);
    expect(logged.length).toBeGreaterThan(0);
    expect(JSON.stringify(logged)).toMatch(/groups database down/);
  });
});
