/**
 * docs/contract.md ("`typing` to a user"): a stop goes to everyone the typing
 * was shown to, and nobody it was never shown to hears of it. Across
 * instances the typist's instance sends the stop (its TypingTracker) to the
 * users its `true` frames were sent to; the members are not read again, so
 * one who left since still gets it on the other instance, and one who joined
 * since does not. The typing timeout here is long: a stop that arrives came
 * from the typist's instance, not from the other instance's own timer
 * (RelayedTyping). A client's stop sent through an instance that does not
 * hold the typing (the typist's other device) is relayed to the members as
 * they are now, and each instance writes it only to the users it showed that
 * typing.
 */
import { afterEach, expect, it } from 'vitest';
import { framesOf, nextFrame } from '../support/fake-socket.js';
import { describeWithRedis } from '../support/services.js';
import { twoInstances } from '../support/two-redis-instances.js';

await describeWithRedis('group typing stop across instances reaches only those shown the typing', (url) => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it.each([
    ['the typist’s explicit stop', { type: 'typing', group_id: 10, is_typing: false }],
    ['the typist’s message', { type: 'group', group_id: 10, content: 'done typing' }],
  ])('%s reaches a member on the other instance who left since, not one who joined since', async (_name, ending) => {
    const c = twoInstances(url, { groups: { 10: { accepted: [1, 2, 3] } }, manager: { typingTimeoutMs: 60_000 } });
    stop = c.stop;
    await c.ready();
    const [member, leaver, joiner] = [await c.connect(c.B, 2), await c.connect(c.B, 3), await c.connect(c.B, 4)];
    const typist = await c.connect(c.A, 1);
    for (const u of [1, 2, 3, 4]) await c.waitSubscribed(u);

    typist.receive({ type: 'typing', group_id: 10, is_typing: true });
    expect(await nextFrame(leaver, 'typing')).toMatchObject({ from: 1, group_id: 10, is_typing: true });
    await nextFrame(member, 'typing');
    c.groups.groups.get(10)!.accepted = [1, 2, 4]; // 3 leaves, 4 joins
    typist.receive(ending);

    expect(await nextFrame(leaver, 'typing')).toMatchObject({ from: 1, group_id: 10, is_typing: false });
    expect(await nextFrame(member, 'typing')).toMatchObject({ from: 1, group_id: 10, is_typing: false });
    await new Promise((r) => setTimeout(r, 100)); // a stop to the joiner would have come with the member's
    expect(framesOf(joiner, 'typing')).toEqual([]);
  });

  it('a stop from the typist’s other device, on the instance that does not hold the typing, reaches those shown it and no joiner', async () => {
    const c = twoInstances(url, { groups: { 10: { accepted: [1, 2, 3] } }, manager: { typingTimeoutMs: 60_000 } });
    stop = c.stop;
    await c.ready();
    const [memberA, joinerA] = [await c.connect(c.A, 2), await c.connect(c.A, 5)];
    const [memberB, joinerB] = [await c.connect(c.B, 3), await c.connect(c.B, 4)];
    const laptop = await c.connect(c.A, 1);
    const phone = await c.connect(c.B, 1);
    for (const u of [2, 3, 4, 5]) await c.waitSubscribed(u);
    await c.waitSubscribed(1, 2);

    laptop.receive({ type: 'typing', group_id: 10, is_typing: true }); // A's tracker holds this typing
    await nextFrame(memberA, 'typing');
    await nextFrame(memberB, 'typing');
    c.groups.groups.get(10)!.accepted = [1, 2, 3, 4, 5]; // 4 and 5 join
    // B holds no typing of user 1: it relays the stop to the members as they are now, then the phone types.
    phone.receive({ type: 'typing', group_id: 10, is_typing: false });
    phone.receive({ type: 'typing', group_id: 10, is_typing: true });

    for (const joiner of [joinerA, joinerB]) {
      // Published by B after its stop on the same channel: a stop to the joiner would have come first.
      expect(await nextFrame(joiner, 'typing')).toMatchObject({ from: 1, group_id: 10, is_typing: true });
      expect(framesOf(joiner, 'typing').map((f) => f.is_typing)).toEqual([true]);
    }
    for (const member of [memberA, memberB]) {
      expect(await nextFrame(member, 'typing')).toMatchObject({ from: 1, group_id: 10, is_typing: false });
      await nextFrame(member, 'typing'); // the phone's true
      expect(framesOf(member, 'typing').map((f) => f.is_typing)).toEqual([true, false, true]);
    }
  });
});
