import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Message } from '../../src/websocket/protocol.js';
import { createHarness, framesAfterWelcome, framesOf, nextFrame, settle, type Harness } from '../support/mocks.js';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

const groups = { 5: { accepted: [1, 2] }, 6: { accepted: [1, 3] } };
const contacts = { 1: [], 2: [], 3: [] };

/** Stores messages straight through the persister, as earlier sessions would have. */
async function seed(h: Harness): Promise<Message[]> {
  const p = h.persister;
  const out: Message[] = [];
  out.push((await p.savePrivate({ from: 1, to: 2, content: 'one' })).message); // 1: to me
  out.push((await p.savePrivate({ from: 1, to: 3, content: 'not mine' })).message); // 2
  out.push((await p.saveGroup({ from: 1, groupId: 5, content: 'group five' })).message); // 3: my group
  out.push((await p.saveGroup({ from: 1, groupId: 6, content: 'group six' })).message); // 4: not my group
  out.push((await p.savePrivate({ from: 2, to: 1, content: 'my own' })).message); // 5: sent by me
  out.push((await p.savePrivate({ from: 3, to: 2, content: 'five' })).message); // 6: to me
  out.push((await p.saveGroup({ from: 2, groupId: 5, content: 'mine in group' })).message); // 7: my group, by me
  p.savePrivate.mockClear();
  p.saveGroup.mockClear();
  return out;
}

const visibleTo2 = (all: Message[]) => all.filter((m) => [1, 3, 5, 6, 7].includes(m.id));

describe('Manager: sync', () => {
  it('replays every visible message in id order, page by page, as ordinary frames, then synced {last_id}', async () => {
    h = createHarness({ groups, contacts, options: { syncPageSize: 2 } });
    const all = await seed(h);
    const b = h.connect(2);
    b.receive({ type: 'sync', since: 0 });
    expect(await nextFrame(b, 'synced')).toEqual({ type: 'synced', last_id: 7 });

    const replayed = framesAfterWelcome(b).filter((f) => f.type === 'private' || f.type === 'group');
    expect(replayed).toEqual(
      visibleTo2(all).map((m) => ({ type: 'group_id' in m ? 'group' : 'private', ...m, replayed: true })),
    );
    expect(framesAfterWelcome(b).at(-1)).toEqual({ type: 'synced', last_id: 7 });
    // Pages of 2 from cursors 0, 3, 6; the third page is short, so the replay stops there. Each page is
    // asked with the groups the fetcher's groupsOf lists user 2 as accepted in (a host's groups have no row
    // in the store), read once for the whole replay.
    expect(h.persister.messagesSince.mock.calls).toEqual([
      [2, 0, 2, [5]],
      [2, 3, 2, [5]],
      [2, 6, 2, [5]],
    ]);
    expect(h.groups.groupsOf).toHaveBeenCalledTimes(1);
  });

  it('asks no groupsOf when the stores know the groups themselves (storesKnowGroups: Parlor\'s own groups)', async () => {
    h = createHarness({ groups, contacts, options: { syncPageSize: 100, storesKnowGroups: true } });
    await seed(h);
    const b = h.connect(2);
    b.receive({ type: 'sync', since: 0 });
    await nextFrame(b, 'synced');
    expect(h.persister.messagesSince.mock.calls).toEqual([[2, 0, 100, undefined]]);
    expect(h.groups.groupsOf).not.toHaveBeenCalled();
  });

  it('replays only what is newer than since', async () => {
    h = createHarness({ groups, contacts, options: { syncPageSize: 2 } });
    await seed(h);
    const b = h.connect(2);
    b.receive({ type: 'sync', since: 5 });
    expect(await nextFrame(b, 'synced')).toEqual({ type: 'synced', last_id: 7 });
    expect(framesAfterWelcome(b).map((f) => (f.type === 'private' || f.type === 'group' ? f.id : f.type))).toEqual([6, 7, 'synced']);
  });

  it('asks for one more page when the last one was full, and ends on the empty page', async () => {
    h = createHarness({ groups, contacts, options: { syncPageSize: 2 } });
    await seed(h);
    const b = h.connect(2);
    b.receive({ type: 'sync', since: 3 }); // 5, 6, 7 ... then with page size 2: [5,6], [7]
    await nextFrame(b, 'synced');
    h.persister.messagesSince.mockClear();
    b.receive({ type: 'sync', since: 1 }); // 3, 5, 6, 7: [3,5], [6,7], []
    expect(await nextFrame(b, 'synced')).toEqual({ type: 'synced', last_id: 7 });
    expect(h.persister.messagesSince.mock.calls.map((c) => c[1])).toEqual([1, 5, 7]);
  });

  it('answers synced with last_id = since when there is nothing newer', async () => {
    h = createHarness({ groups, contacts });
    const b = h.connect(2);
    b.receive({ type: 'sync', since: 42 });
    expect(await nextFrame(b, 'synced')).toEqual({ type: 'synced', last_id: 42 });
    expect(framesAfterWelcome(b)).toEqual([{ type: 'synced', last_id: 42 }]);
  });

  it("replays to the asking connection only, not to the user's other connections", async () => {
    h = createHarness({ groups, contacts });
    await seed(h);
    const b1 = h.connect(2);
    const b2 = h.connect(2);
    b1.receive({ type: 'sync', since: 0 });
    await nextFrame(b1, 'synced');
    await settle();
    expect(framesAfterWelcome(b2)).toEqual([]);
  });

  /**
   * A sync of the seeded messages, two per page, to a client that reads only
   * when the test says (`drain()`), with room for one replayed frame (~100
   * bytes) in its buffer at a time.
   */
  async function syncToSlowClient() {
    h = createHarness({ groups, contacts, options: { syncPageSize: 2, shedBufferedBytes: 150, maxBufferedBytes: 100_000 } });
    await seed(h);
    const b = h.connect(2, { growBuffer: true });
    b.drain(); // the welcome was read
    b.receive({ type: 'sync', since: 0 });
    await vi.waitFor(() => expect(framesAfterWelcome(b)).toHaveLength(1));
    return b;
  }

  it('keeps at most its byte budget in the buffer of a slow client and goes on as the client reads', async () => {
    const b = await syncToSlowClient();
    let reads = 0;
    while (framesOf(b, 'synced').length === 0) {
      await settle();
      // The second frame waits until the first is read: never two replayed frames (~200 bytes) in a 150-byte budget.
      expect(b.bufferedAmount).toBeLessThanOrEqual(150);
      b.drain();
      reads++;
      expect(reads).toBeLessThan(20);
    }
    expect(framesAfterWelcome(b).map((f) => (f.type === 'synced' ? 'synced' : (f as { id: number }).id))).toEqual([1, 3, 5, 6, 7, 'synced']);
    expect(reads).toBeGreaterThanOrEqual(5);
    expect(b.closeCode).toBeUndefined();
  });

  it('waits, without polling, for the client to read before writing more', async () => {
    const b = await syncToSlowClient();
    await new Promise((r) => setTimeout(r, 30));
    expect(framesAfterWelcome(b)).toHaveLength(1);
    expect(h.persister.messagesSince).toHaveBeenCalledTimes(1);
    b.drain();
    await vi.waitFor(() => expect(framesAfterWelcome(b)).toHaveLength(2));
  });

  it('lets close() finish while a sync waits on a client that never drains', async () => {
    const b = await syncToSlowClient();

    const outcome = await Promise.race([
      h.manager.close().then(() => 'closed'),
      new Promise((r) => setTimeout(() => r('still waiting'), 200)),
    ]);
    expect(outcome).toBe('closed');
    expect(b.closeCode).toBe(1001);
    // An interrupted replay does not claim to be complete.
    expect(framesOf(b, 'synced')).toEqual([]);
    expect(framesAfterWelcome(b)).toHaveLength(1);
  });

  it('stops a replay when the connection closes', async () => {
    const b = await syncToSlowClient();
    b.peerClose();
    await settle();
    await new Promise((r) => setTimeout(r, 20));
    expect(framesAfterWelcome(b)).toHaveLength(1);
    expect(h.persister.messagesSince).toHaveBeenCalledTimes(1);
    // Nothing waits any more: close() does not hang on the stopped replay.
    await h.manager.close();
  });

  it('runs one replay per connection: a second sync meanwhile is refused with rate_limited', async () => {
    const b = await syncToSlowClient();
    b.receive({ type: 'sync', since: 0 });
    expect(await nextFrame(b, 'error')).toMatchObject({ code: 'rate_limited' });
    while (framesOf(b, 'synced').length === 0) {
      b.drain();
      await settle();
    }
    expect(framesOf(b, 'private').length + framesOf(b, 'group').length).toBe(5);
    b.drain();
    b.receive({ type: 'sync', since: 6 });
    expect(await nextFrame(b, 'synced')).toEqual({ type: 'synced', last_id: 7 });
  });
});
