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
      visibleTo2(all).map((m) => ({ type: 'group_id' in m ? 'group' : 'private', ...m })),
    );
    expect(framesAfterWelcome(b).at(-1)).toEqual({ type: 'synced', last_id: 7 });
    // Pages of 2 from cursors 0, 3, 6; the third page is short, so the replay stops there.
    expect(h.persister.messagesSince.mock.calls).toEqual([
      [2, 0, 2],
      [2, 3, 2],
      [2, 6, 2],
    ]);
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

  /** A sync of the seeded messages, two per page, asked by a connection already behind (500 bytes buffered, over the 100 the replay waits for). */
  async function syncToSlowClient() {
    h = createHarness({ groups, contacts, options: { syncPageSize: 2, shedBufferedBytes: 100, maxBufferedBytes: 100_000 } });
    await seed(h);
    const b = h.connect(2);
    b.bufferedAmount = 500;
    b.receive({ type: 'sync', since: 0 });
    return b;
  }

  it('waits for a client that is behind to drain before fetching the next page', async () => {
    const b = await syncToSlowClient();
    await vi.waitFor(() => expect(framesAfterWelcome(b)).toHaveLength(2));
    await new Promise((r) => setTimeout(r, 30));
    expect(h.persister.messagesSince).toHaveBeenCalledTimes(1);
    expect(framesOf(b, 'synced')).toEqual([]);

    b.bufferedAmount = 0;
    expect(await nextFrame(b, 'synced')).toEqual({ type: 'synced', last_id: 7 });
    expect(h.persister.messagesSince).toHaveBeenCalledTimes(3);
  });

  it('lets close() finish while a sync waits on a client that never drains', async () => {
    const b = await syncToSlowClient();
    await vi.waitFor(() => expect(h.persister.messagesSince).toHaveBeenCalledTimes(1));

    const outcome = await Promise.race([
      h.manager.close().then(() => 'closed'),
      new Promise((r) => setTimeout(() => r('still waiting'), 200)),
    ]);
    expect(outcome).toBe('closed');
    expect(b.closeCode).toBe(1001);
    // An interrupted replay does not claim to be complete.
    expect(framesOf(b, 'synced')).toEqual([]);
  });

  it('stops a replay when the connection closes', async () => {
    const b = await syncToSlowClient();
    await vi.waitFor(() => expect(h.persister.messagesSince).toHaveBeenCalledTimes(1));
    b.peerClose();
    await new Promise((r) => setTimeout(r, 20));
    expect(h.persister.messagesSince).toHaveBeenCalledTimes(1);
  });
});
