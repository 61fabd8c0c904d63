import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHarness, framesAfterWelcome, framesOf, nextFrame, settle, type Harness } from '../support/mocks.js';

const T0 = 1_700_000_000_000;
const clock = () => T0;

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

/** User 1 sends "hi" to user 2 from `from`; resolves with the stored id once acked. */
async function sendPrivate(from: ReturnType<Harness['connect']>, to: number, clientId = 'c'): Promise<number> {
  from.receive({ type: 'private', to, content: 'hi', client_id: clientId });
  return (await nextFrame(from, 'ack')).id;
}

describe('Manager: delivered receipts', () => {
  it("sends one delivered receipt to every sender connection once a recipient connection's write completes", async () => {
    h = createHarness({ options: { now: clock }, contacts: { 1: [], 2: [] } });
    const a1 = h.connect(1);
    const a2 = h.connect(1);
    const bs = [h.connect(2), h.connect(2), h.connect(2)];
    const id = await sendPrivate(a1, 2);
    const receipt = { type: 'receipt', message_id: id, status: 'delivered', user_id: 2, timestamp: T0 };
    expect(await nextFrame(a1, 'receipt')).toEqual(receipt);
    expect(await nextFrame(a2, 'receipt')).toEqual(receipt);
    await settle();
    expect(framesOf(a1, 'receipt')).toHaveLength(1);
    expect(framesOf(a2, 'receipt')).toHaveLength(1);
    expect(h.persister.markDelivered).toHaveBeenCalledTimes(1);
    expect(h.persister.markDelivered).toHaveBeenCalledWith(id, 2);
    for (const b of bs) expect(framesOf(b, 'receipt')).toEqual([]);
  });

  it('without markDelivered nothing records delivered: each sync replay of the message reports it again (documented)', async () => {
    h = createHarness({ contacts: { 1: [], 2: [] } });
    delete (h.persister as { markDelivered?: unknown }).markDelivered;
    const a = h.connect(1);
    const b = h.connect(2);
    a.receive({ type: 'private', to: 2, content: 'hi', client_id: 'c' });
    await nextFrame(a, 'receipt');
    for (let replay = 1; replay <= 2; replay++) {
      b.receive({ type: 'sync', since: 0 });
      await nextFrame(b, 'synced');
      await settle();
      expect(framesOf(a, 'receipt')).toHaveLength(1 + replay);
    }
  });

  it('reports delivered once per message even without markDelivered in the store', async () => {
    h = createHarness({ contacts: { 1: [], 2: [] } });
    delete (h.persister as { markDelivered?: unknown }).markDelivered;
    const a = h.connect(1);
    h.connect(2);
    h.connect(2);
    h.connect(2);
    await sendPrivate(a, 2);
    await nextFrame(a, 'receipt');
    await settle();
    expect(framesOf(a, 'receipt')).toHaveLength(1);
  });

  it('sends no receipt before the write completes, and none when it fails', async () => {
    h = createHarness({ contacts: { 1: [], 2: [] } });
    const a = h.connect(1);
    const b = h.connect(2);
    b.writeError = new Error('socket hang up');
    await sendPrivate(a, 2);
    expect(framesOf(a, 'receipt')).toEqual([]);
    await settle();
    expect(framesOf(b, 'private')).toHaveLength(1);
    expect(framesOf(a, 'receipt')).toEqual([]);
    expect(h.persister.markDelivered).not.toHaveBeenCalled();
  });

  it('sends no receipt while the recipient is offline, and one when it syncs the message later', async () => {
    h = createHarness({ options: { now: clock }, contacts: { 1: [], 2: [] } });
    const a = h.connect(1);
    const aPhone = h.connect(1); // gets the copy; its write must not count as delivery
    const id = await sendPrivate(a, 2);
    await settle();
    expect(framesOf(aPhone, 'private')).toHaveLength(1);
    expect(framesOf(a, 'receipt')).toEqual([]);
    expect(h.persister.markDelivered).not.toHaveBeenCalled();

    const b = h.connect(2);
    b.receive({ type: 'sync', since: 0 });
    expect(await nextFrame(a, 'receipt')).toEqual({
      type: 'receipt',
      message_id: id,
      status: 'delivered',
      user_id: 2,
      timestamp: T0,
    });
  });

  it('does not report a message the store already marked delivered', async () => {
    h = createHarness({ contacts: { 1: [], 2: [] } });
    const a = h.connect(1);
    const b = h.connect(2);
    await sendPrivate(a, 2);
    await nextFrame(a, 'receipt');
    b.receive({ type: 'sync', since: 0 });
    await nextFrame(b, 'synced');
    await settle();
    expect(h.persister.markDelivered).toHaveBeenCalledTimes(2);
    expect(framesOf(a, 'receipt')).toHaveLength(1);
  });

  it('sends no delivered receipt for a message to oneself', async () => {
    h = createHarness({ contacts: { 1: [] } });
    const a1 = h.connect(1);
    h.connect(1);
    await sendPrivate(a1, 1);
    await settle();
    expect(framesOf(a1, 'receipt')).toEqual([]);
    expect(h.persister.markDelivered).not.toHaveBeenCalled();
  });

  it('sends no delivered receipt for group messages', async () => {
    h = createHarness({ groups: { 5: { accepted: [1, 2] } }, contacts: { 1: [], 2: [] } });
    const a = h.connect(1);
    const b = h.connect(2);
    a.receive({ type: 'group', group_id: 5, content: 'x' });
    await nextFrame(b, 'group');
    await settle();
    expect(framesOf(a, 'receipt')).toEqual([]);
  });
});

describe('Manager: read', () => {
  it("sends a read receipt to the sender's connections and the reader's other connections", async () => {
    h = createHarness({ options: { now: clock }, contacts: { 1: [], 2: [] } });
    const a1 = h.connect(1);
    const a2 = h.connect(1);
    const reader = h.connect(2);
    const readerPhone = h.connect(2);
    const id = await sendPrivate(a1, 2);
    await nextFrame(a1, 'receipt'); // delivered
    await nextFrame(a2, 'receipt');
    reader.receive({ type: 'read', message_id: id });
    const receipt = { type: 'receipt', message_id: id, status: 'read', user_id: 2, timestamp: T0 };
    expect(await nextFrame(a1, 'receipt')).toEqual(receipt);
    expect(await nextFrame(a2, 'receipt')).toEqual(receipt);
    expect(await nextFrame(readerPhone, 'receipt')).toEqual(receipt);
    await settle();
    expect(framesOf(reader, 'receipt')).toEqual([]);
    expect(h.persister.markRead).toHaveBeenCalledWith(2, id);
  });

  it('reports the newest message the store marked read, not the one named in the frame', async () => {
    h = createHarness({ options: { now: clock }, contacts: { 1: [], 2: [] } });
    const a = h.connect(1);
    const b = h.connect(2);
    h.persister.markRead.mockResolvedValueOnce({ senderId: 1, messageId: 17 });
    b.receive({ type: 'read', message_id: 12 });
    await vi.waitFor(() => expect(framesOf(a, 'receipt')).toHaveLength(1));
    expect(framesOf(a, 'receipt')[0]).toMatchObject({ message_id: 17, status: 'read', user_id: 2 });
  });

  it('announces the messages the read marked delivered (no delivered mark had yet), to the sender only, before the read', async () => {
    h = createHarness({ options: { now: clock }, contacts: { 1: [], 2: [] } });
    const a = h.connect(1);
    const b = h.connect(2);
    const bPhone = h.connect(2);
    h.persister.markRead.mockResolvedValueOnce({ senderId: 1, messageId: 17, delivered: [15, 17] });
    b.receive({ type: 'read', message_id: 17 });
    await vi.waitFor(() => expect(framesOf(a, 'receipt')).toHaveLength(3));
    expect(framesOf(a, 'receipt').map((f) => [f.message_id, f.status, f.user_id])).toEqual([
      [15, 'delivered', 2],
      [17, 'delivered', 2],
      [17, 'read', 2],
    ]);
    expect(framesOf(bPhone, 'receipt').map((f) => f.status)).toEqual(['read']);
  });

  it("a read that marked a message below the reader's marker (markerMoved: false) tells the sender, not the reader's other devices", async () => {
    h = createHarness({ options: { now: clock }, contacts: { 1: [], 2: [] } });
    const a = h.connect(1);
    const b = h.connect(2);
    const bPhone = h.connect(2);
    // PostgreSQL: message 12 committed after 17 was read; its own read marks it, the marker stays at 17.
    h.persister.markRead.mockResolvedValueOnce({ senderId: 1, messageId: 12, markerMoved: false });
    b.receive({ type: 'read', message_id: 12 });
    await vi.waitFor(() => expect(framesOf(a, 'receipt')).toHaveLength(1));
    expect(framesOf(a, 'receipt')[0]).toMatchObject({ message_id: 12, status: 'read', user_id: 2 });
    await settle();
    expect(framesOf(bPhone, 'receipt')).toEqual([]);
  });

  it('sends one read receipt per connection when I read a note to myself', async () => {
    h = createHarness({ options: { now: clock }, contacts: { 1: [] } });
    const a1 = h.connect(1);
    const a2 = h.connect(1);
    const id = await sendPrivate(a1, 1);
    a2.receive({ type: 'read', message_id: id });
    await nextFrame(a1, 'receipt');
    await settle();
    expect(framesOf(a1, 'receipt')).toEqual([{ type: 'receipt', message_id: id, status: 'read', user_id: 1, timestamp: T0 }]);
    expect(framesOf(a2, 'receipt')).toEqual([]);
  });

  it('answers not_found to a read of a message that is not to me, and sends no receipt', async () => {
    h = createHarness({ contacts: { 1: [], 2: [], 3: [] } });
    const a = h.connect(1);
    const b = h.connect(2);
    const c = h.connect(3);
    const id = await sendPrivate(a, 2);
    await settle();
    c.receive({ type: 'read', message_id: id });
    expect(await nextFrame(c, 'error')).toEqual({
      type: 'error',
      code: 'not_found',
      message: `message ${id} is not a private message to you`,
    });
    // The sender of the message may not mark it read on the recipient's behalf either.
    a.receive({ type: 'read', message_id: id });
    expect(await nextFrame(a, 'error')).toMatchObject({ code: 'not_found' });
    await settle();
    expect(framesOf(a, 'receipt').filter((r) => r.status === 'read')).toEqual([]);
    expect(framesOf(b, 'receipt')).toEqual([]);
  });

  it("moves a group read marker and tells only the reader's other connections", async () => {
    h = createHarness({ options: { now: clock }, groups: { 5: { accepted: [1, 2] } }, contacts: { 1: [], 2: [] } });
    const a = h.connect(1);
    const b1 = h.connect(2);
    const b2 = h.connect(2);
    a.receive({ type: 'group', group_id: 5, content: 'x' });
    const { id } = await nextFrame(a, 'ack');
    b1.receive({ type: 'read', group_id: '5', message_id: id });
    expect(await nextFrame(b2, 'receipt')).toEqual({
      type: 'receipt',
      message_id: id,
      status: 'read',
      user_id: 2,
      group_id: 5,
      timestamp: T0,
    });
    await settle();
    expect(h.persister.markGroupRead).toHaveBeenCalledWith(2, 5, id);
    expect(framesOf(b1, 'receipt')).toEqual([]);
    expect(framesOf(a, 'receipt')).toEqual([]);
  });

  it('answers forbidden to a group read by a non-member and not_found for a message outside the group', async () => {
    h = createHarness({ groups: { 5: { accepted: [1, 2] }, 6: { accepted: [2] } }, contacts: { 1: [], 2: [], 3: [] } });
    const a = h.connect(1);
    const b = h.connect(2);
    const outsider = h.connect(3);
    a.receive({ type: 'group', group_id: 5, content: 'x' });
    const { id } = await nextFrame(a, 'ack');
    outsider.receive({ type: 'read', group_id: 5, message_id: id });
    expect(await nextFrame(outsider, 'error')).toMatchObject({ code: 'forbidden' });
    b.receive({ type: 'read', group_id: 6, message_id: id });
    expect(await nextFrame(b, 'error')).toMatchObject({ code: 'not_found' });
    expect(h.persister.markGroupRead).toHaveBeenCalledTimes(1);
    expect(framesAfterWelcome(a).filter((f) => f.type === 'receipt')).toEqual([]);
  });
});
