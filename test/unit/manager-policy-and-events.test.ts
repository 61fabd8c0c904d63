import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HostEventMap } from '../../src/websocket/host-events.js';
import type { MessagePolicy, PolicyResult } from '../../src/websocket/message-policy.js';
import { createHarness, framesOf, nextFrame, settle, type Harness } from '../support/mocks.js';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

const GROUP = 7;
const groups = { [GROUP]: { accepted: [1, 2, 3] } };

describe('Manager: the host message policy (contract section 6)', () => {
  it('allow: stored and routed unchanged; the policy sees who, to whom, and what', async () => {
    const check = vi.fn<MessagePolicy['check']>(() => ({ allow: true }));
    h = createHarness({ groups, options: { messagePolicy: { check } } });
    const [a, b] = [h.connect(1), h.connect(2)];
    a.receive({ type: 'private', to: 2, content: 'hello', client_id: 'p' });
    expect(await nextFrame(b, 'private')).toMatchObject({ from: 1, content: 'hello' });
    a.receive({ type: 'group', group_id: '7', content: 'all', client_id: 'g' });
    await nextFrame(a, 'ack');
    await nextFrame(a, 'ack');
    expect(check.mock.calls).toEqual([[{ from: 1, to: 2, content: 'hello' }], [{ from: 1, group_id: GROUP, content: 'all' }]]);
  });

  it('{allow: false, reason}: the sender gets forbidden with the reason; nothing stored, nothing routed', async () => {
    h = createHarness({ groups, options: { messagePolicy: { check: async () => ({ allow: false, reason: 'links are not allowed yet' }) } } });
    const [a, b] = [h.connect(1), h.connect(2)];
    a.receive({ type: 'private', to: 2, content: 'http://spam', client_id: 'p' });
    expect(await nextFrame(a, 'error')).toEqual({ type: 'error', code: 'forbidden', message: 'links are not allowed yet', client_id: 'p' });
    a.receive({ type: 'group', group_id: GROUP, content: 'http://spam', client_id: 'g' });
    expect(await nextFrame(a, 'error')).toMatchObject({ code: 'forbidden', client_id: 'g' });
    await settle();
    expect(h.persister.savePrivate).not.toHaveBeenCalled();
    expect(h.persister.saveGroup).not.toHaveBeenCalled();
    expect(framesOf(b, 'private')).toEqual([]);
    expect(framesOf(b, 'group')).toEqual([]);
  });

  it('a resend of a client_id stored before the policy refused: acked with the stored message; a new one, an outage or a persister without messageByClientId: not', async () => {
    let refuse = false;
    let policyDown = false;
    const check = (): PolicyResult => {
      if (policyDown) throw new Error('policy service down');
      return refuse ? { allow: false, reason: 'closed for now' } : { allow: true };
    };
    h = createHarness({ groups, options: { messagePolicy: { check } } });
    const a = h.connect(1);
    a.receive({ type: 'private', to: 2, content: 'first', client_id: 'stored' });
    const ack = await nextFrame(a, 'ack');
    refuse = true;
    a.receive({ type: 'private', to: 2, content: 'first', client_id: 'stored' });
    expect(await nextFrame(a, 'ack')).toEqual(ack);
    a.receive({ type: 'private', to: 2, content: 'second', client_id: 'new' });
    expect(await nextFrame(a, 'error')).toMatchObject({ code: 'forbidden', message: 'closed for now', client_id: 'new' });
    expect(h.persister.savePrivate).toHaveBeenCalledTimes(1);

    // A policy that fails is an outage, not a refusal: it is answered as one, without a lookup.
    policyDown = true;
    a.receive({ type: 'private', to: 2, content: 'first', client_id: 'stored' });
    expect(await nextFrame(a, 'error')).toMatchObject({ code: 'internal', client_id: 'stored' });
    expect(h.persister.messageByClientId).toHaveBeenCalledTimes(2);
    policyDown = false;
    // The lookup failing is an outage, not the stored message: the refusal is not turned into an ack, nor hidden.
    h.persister.messageByClientId.mockRejectedValueOnce(new Error('store down'));
    a.receive({ type: 'private', to: 2, content: 'first', client_id: 'stored' });
    expect(await nextFrame(a, 'error')).toMatchObject({ code: 'internal', client_id: 'stored' });
    // A persister without the method: the refusal stands.
    (h.persister as { messageByClientId?: unknown }).messageByClientId = undefined;
    a.receive({ type: 'private', to: 2, content: 'first', client_id: 'stored' });
    expect(await nextFrame(a, 'error')).toMatchObject({ code: 'forbidden', message: 'closed for now', client_id: 'stored' });
  });

  it('{allow: true, content}: the rewritten content is what is stored, acked and routed', async () => {
    h = createHarness({ groups, options: { messagePolicy: { check: ({ content }) => ({ allow: true, content: content.replace(/darn/g, '****') }) } } });
    const [a, b] = [h.connect(1), h.connect(2)];
    a.receive({ type: 'private', to: 2, content: 'darn it', client_id: 'p' });
    expect(await nextFrame(b, 'private')).toMatchObject({ content: '**** it' });
    expect(h.persister.savePrivate).toHaveBeenCalledWith(expect.objectContaining({ content: '**** it' }));
  });

  it('a rewrite into invalid content is the policy\'s bug: internal, nothing stored', async () => {
    h = createHarness({ options: { messagePolicy: { check: () => ({ allow: true, content: '   ' }) } } });
    const a = h.connect(1);
    a.receive({ type: 'private', to: 2, content: 'x', client_id: 'p' });
    expect(await nextFrame(a, 'error')).toMatchObject({ code: 'internal', client_id: 'p' });
    expect(h.persister.savePrivate).not.toHaveBeenCalled();
  });

  it('membership is checked before the policy: a non-member is forbidden without asking it', async () => {
    const check = vi.fn<MessagePolicy['check']>(() => ({ allow: true }));
    h = createHarness({ groups, options: { messagePolicy: { check } } });
    const stranger = h.connect(9);
    stranger.receive({ type: 'group', group_id: GROUP, content: 'x', client_id: 'g' });
    expect(await nextFrame(stranger, 'error')).toMatchObject({ code: 'forbidden' });
    expect(check).not.toHaveBeenCalled();
  });
});

describe('Manager: hostEvents for host code (parlor.events)', () => {
  it("'message' after the commit, with the recipients and those offline everywhere", async () => {
    h = createHarness({ groups });
    const events: Array<HostEventMap['message']> = [];
    h.manager.hostEvents.on('message', (e) => void events.push(e));
    const [a] = [h.connect(1), h.connect(2)]; // 3 is offline
    a.receive({ type: 'private', to: 3, content: 'are you there', client_id: 'p' });
    const ack = await nextFrame(a, 'ack');
    a.receive({ type: 'group', group_id: GROUP, content: 'hi all', client_id: 'g' });
    const gack = await nextFrame(a, 'ack');
    await vi.waitFor(() => expect(events).toHaveLength(2));
    expect(events[0]).toEqual({ message: expect.objectContaining({ id: ack.id, to: 3 }), recipients: [3], offline: [3] });
    expect(events[1]).toEqual({ message: expect.objectContaining({ id: gack.id, group_id: GROUP }), recipients: [2, 3], offline: [3] });
  });

  it('a duplicate client_id is not a new message: no second event', async () => {
    h = createHarness();
    const events: unknown[] = [];
    h.manager.hostEvents.on('message', (e) => void events.push(e));
    const a = h.connect(1);
    for (let i = 0; i < 2; i++) {
      a.receive({ type: 'private', to: 2, content: 'once', client_id: 'same' });
      await nextFrame(a, 'ack');
    }
    await settle();
    expect(events).toHaveLength(1);
  });

  it("'notification' and 'read' events", async () => {
    h = createHarness();
    const seen: Array<[string, unknown]> = [];
    h.manager.hostEvents.on('notification', (e) => void seen.push(['notification', e]));
    h.manager.hostEvents.on('read', (e) => void seen.push(['read', e]));
    const [a, b] = [h.connect(1), h.connect(2)];
    const n = await h.manager.notify(5, 'ping', 'hello');
    a.receive({ type: 'private', to: 2, content: 'read me', client_id: 'p' });
    const m = await nextFrame(b, 'private');
    b.receive({ type: 'read', message_id: m.id });
    await nextFrame(a, 'receipt', 1000);
    await vi.waitFor(() => expect(seen).toHaveLength(2));
    expect(seen).toContainEqual(['notification', { notification: n, user_id: 5, offline: [5] }]);
    expect(seen).toContainEqual(['read', { user_id: 2, message_id: m.id }]);
  });

  it('a throwing or rejecting listener is logged and never affects delivery or the other listeners', async () => {
    h = createHarness();
    const ok: unknown[] = [];
    h.manager.hostEvents.on('message', () => {
      throw new Error('listener bug');
    });
    h.manager.hostEvents.on('message', () => Promise.reject(new Error('async listener bug')));
    h.manager.hostEvents.on('message', (e) => void ok.push(e));
    const [a, b] = [h.connect(1), h.connect(2)];
    a.receive({ type: 'private', to: 2, content: 'still delivered', client_id: 'p' });
    expect(await nextFrame(b, 'private')).toMatchObject({ content: 'still delivered' });
    expect(await nextFrame(a, 'ack')).toMatchObject({ client_id: 'p' });
    await vi.waitFor(() => expect(ok).toHaveLength(1));
  });

  it('a slow listener does not delay the ack', async () => {
    h = createHarness();
    let release!: () => void;
    h.manager.hostEvents.on('message', () => new Promise<void>((r) => (release = r)));
    const a = h.connect(1);
    a.receive({ type: 'private', to: 2, content: 'x', client_id: 'p' });
    expect(await nextFrame(a, 'ack')).toMatchObject({ client_id: 'p' });
    await vi.waitFor(() => expect(release).toBeTypeOf('function'));
    release();
  });

  it('nothing is computed when nobody listens (no presence lookup per message)', async () => {
    h = createHarness();
    const a = h.connect(1);
    const presence = vi.spyOn(h.manager as unknown as { offlineAmong: () => Promise<number[]> }, 'offlineAmong');
    a.receive({ type: 'private', to: 2, content: 'x', client_id: 'p' });
    await nextFrame(a, 'ack');
    expect(h.manager.hostEvents.has('message')).toBe(false);
    expect(presence).not.toHaveBeenCalled();
  });
});
