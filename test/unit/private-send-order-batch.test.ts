/**
 * Mutant A8 (src/websocket/manager.ts, sendPrivate): the store's promise wrapped for a message that
 * waited for its turn only, `saved = await (waiting ? (async () => order.handOver(...))() : order.handOver(...))`:
 * the wrapper src/websocket/arrival-order.ts warns about ("a wrapper around it would settle a few
 * microtasks after the store's, and a message that had waited would be routed after the next one").
 * test/unit/manager-send-order.test.ts pins this for group messages only ("a message that waited for
 * its turn is routed before the next one when the store commits both at once"); the private twin is
 * killed only by test/integration/postgres-send-order.test.ts, a burst over real PostgreSQL whose
 * interleaving depends on timing. This is the deterministic pin for private messages. docs/guarantees.md / docs/protocol.md ("Order"): one connection's messages are stored,
 * acked and delivered in the order their frames arrived.
 * Passes on the current code; fails on the mutant.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MessagePolicy, PolicyResult } from '../../src/websocket/message-policy.js';
import type { SavePrivateInput, Saved } from '../../src/websocket/message-persister.js';
import type { PrivateMessage } from '../../src/websocket/protocol.js';
import { createHarness, deferred, type Deferred, framesOf, nextFrame, settle, type FakeSocket, type Harness } from '../support/mocks.js';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

async function acksOf(socket: FakeSocket, n: number): Promise<string[]> {
  const acks: string[] = [];
  for (let i = 0; i < n; i++) acks.push((await nextFrame(socket, 'ack')).client_id!);
  return acks;
}

describe('Manager: private messages of one connection, committed in one batch', () => {
  it('a message that waited for its turn is acked and delivered before the next one', async () => {
    const [slowOne, slowThree] = [deferred<PolicyResult>(), deferred<PolicyResult>()];
    const check = vi.fn<MessagePolicy['check']>(({ content }) => (content === 'one' ? slowOne.promise : content === 'three' ? slowThree.promise : { allow: true }));
    h = createHarness({ groups: { 7: { accepted: [1, 2] } }, options: { messagePolicy: { check } } });
    // A store that commits what it was handed together, in the order it was handed it (PostgreSQL's insert queue).
    const batch: Array<{ input: SavePrivateInput; commit: Deferred<Saved<PrivateMessage>> }> = [];
    h.persister.savePrivate.mockImplementation((input) => {
      const commit = deferred<Saved<PrivateMessage>>();
      batch.push({ input, commit });
      return commit.promise;
    });
    const [a, b] = [h.connect(1), h.connect(2)];
    for (const content of ['one', 'two', 'three']) a.receive({ type: 'private', to: 2, content, client_id: content });
    await settle();
    slowOne.resolve({ allow: true }); // one hands over, then two, which waited for it
    await settle();
    slowThree.resolve({ allow: true }); // three finds nothing ahead of it
    await settle();
    expect(batch.map((s) => s.input.content)).toEqual(['one', 'two', 'three']);
    batch.forEach(({ input, commit }, i) => commit.resolve({ message: { id: i + 1, from: 1, to: 2, content: input.content, timestamp: 0 }, duplicate: false }));
    expect(await acksOf(a, 3)).toEqual(['one', 'two', 'three']);
    await vi.waitFor(() => expect(framesOf(b, 'private').map((f) => f.content)).toEqual(['one', 'two', 'three']));
  });
});
