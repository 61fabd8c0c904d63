/**
 * Property-based fuzzing of the frame protocol with a small rate limit: a
 * flood is answered by replies or rate_limited errors, and either survived or
 * closed with 1008; only acked messages are stored. (The fuzzing with high
 * limits, so they do not mask validation, is fuzz-ws-frames.test.ts.)
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TERMINAL } from '../support/fuzz-frames.js';
import { closeAll, connectClient, expectServing, registerUser, startTestServer, waitFor, type TestServer, type TestUser } from '../support/server.js';

describe('fuzzing with a small rate limit', () => {
  let server: TestServer;
  let alice: TestUser;

  beforeAll(async () => {
    server = await startTestServer({ WS_RATE_LIMIT: '5', WS_RATE_BURST: '5' });
    alice = await registerUser(server);
  });
  afterAll(closeAll);

  it('answers a flood with replies or rate_limited errors, and either survives it or closes with 1008', async () => {
    const ackedIds = new Set<number>();
    const frame = fc.oneof(
      fc.constant(''),
      fc.string({ maxLength: 20 }),
      fc.constant('{"type":"sync","since":0}'),
      fc.uuid().map((id) => JSON.stringify({ type: 'private', to: alice.id, content: 'flood', client_id: id })),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 120 }), async (texts) => {
        const client = await connectClient(server, alice.cookie);
        let closedWith: number | undefined;
        void client.closed.then((c) => (closedWith = c.code));
        for (const t of texts) client.ws.send(t);
        const answered = () => client.frames.filter((f) => TERMINAL.has(f.type as string)).length >= texts.length;
        await waitFor(() => closedWith !== undefined || answered(), 5000, 'every frame answered, or the socket closed');
        if (closedWith !== undefined) expect(closedWith).toBe(1008);
        for (const f of client.frames) expect(['welcome', 'error', 'ack', 'synced', 'private']).toContain(f.type);
        for (const f of client.all('error')) expect(['bad_request', 'rate_limited']).toContain(f.code);
        for (const f of client.all('ack')) ackedIds.add(f.id);
        client.ws.terminate();
        await client.closed;
      }),
      { numRuns: 30 },
    );
    // Every stored flood message was acked (a frame turned away by the limiter stores nothing).
    await new Promise((r) => setTimeout(r, 50));
    const stored = await server.stores.messages.messagesSince(alice.id, 0, 1_000_000);
    expect(stored.filter((m) => m.content === 'flood').map((m) => m.id).sort((a, b) => a - b)).toEqual([...ackedIds].sort((a, b) => a - b));
    await expectServing(server);
  });
});
