/**
 * Control frames count toward the per-connection frame budget. Contract
 * section 3: "Every frame counts toward the rate limit; a flood beyond it gets
 * rate_limited errors, and persistent abuse (seconds, not minutes) closes
 * with 1008." `ws` answers each ping with a pong by itself, so a ping flood
 * cost a pong each and was never refused; a pong needs no asking (RFC 6455
 * 5.5.3), and an unsolicited pong flood only reset the heartbeat and was
 * never closed either, until pongs were charged too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, closedWithin, connectClient, registerUsers, startTestServer, type TestServer, type TestUser } from '../support/server.js';

describe('control frames and the per-connection rate limit', () => {
  let server: TestServer;
  let alice: TestUser;

  beforeAll(async () => {
    server = await startTestServer({ WS_RATE_LIMIT: '10', WS_RATE_BURST: '5' });
    [alice] = await registerUsers(server, 1);
  });
  afterAll(closeAll);

  it.each(['ping', 'pong'] as const)('a steady flood of %s frames at ~100x WS_RATE_LIMIT is closed with 1008 within seconds', async (kind) => {
    const client = await connectClient(server, alice.cookie);
    // 10 frames every 10 ms (~1000/s, 100x the rate); the client reads every answer, so it is not a slow reader.
    const timer = setInterval(() => {
      if (client.ws.readyState === client.ws.OPEN) for (let i = 0; i < 10; i++) client.ws[kind]();
    }, 10);
    try {
      const closed = await closedWithin(client, 5000).catch((err: Error) => ({ code: -1, reason: err.message }));
      expect(closed.code, `the ${kind} flood was never charged: the socket stayed open`).toBe(1008);
    } finally {
      clearInterval(timer);
    }
  }, 10_000);
});
