/**
 * Once close() began, a socket that closes announces nobody offline (Manager.onClose): the instance is leaving
 * (a survivor's sweep tells the cluster), and an announcement made then would ask the host's contactsOf (or the
 * stores) after close() resolved, when the caller closes them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, framesOf, settle, type Harness } from '../support/mocks.js';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

describe('Manager: close() and presence', () => {
  it('the sockets closed by close() ask no contactsOf and send no presence frame', async () => {
    h = createHarness({ contacts: { 1: [2], 2: [1] } });
    const [a, b] = [h.connect(1), h.connect(2)];
    await settle();
    h.groups.contactsOf.mockClear();
    const presenceBefore = framesOf(a, 'presence').length + framesOf(b, 'presence').length;

    await h.manager.close();
    for (const s of [a, b]) s.peerClose(1001);
    await settle();

    expect(h.groups.contactsOf).not.toHaveBeenCalled();
    expect(framesOf(a, 'presence').length + framesOf(b, 'presence').length).toBe(presenceBefore);
  });
});
