/**
 * Unsolicited pong frames count toward the per-connection frame budget, as
 * pings do (ws-ping-flood.test.ts). Contract section 3: "Every frame counts
 * toward the rate limit; a flood beyond it gets rate_limited errors, and
 * persistent abuse (seconds, not minutes) closes with 1008." A pong once only
 * reset the heartbeat: a client could stream unsolicited pongs (RFC 6455
 * 5.5.3 allows them) as fast as TCP carried them, each parsed, unmasked and
 * dispatched, and was never closed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, closedWithin, connectClient, registerUsers, startTestServer, type TestServer, type TestUser } from '../support/server.js';

describe('pong frames and the per-connection rate limit', () => {
  let server: TestServer;
  let alice: TestUser;

  beforeAll(async () => {
    server = await startTestServer({ WS_RATE_LIMIT: '10', WS_RATE_BURST: '5' });
    [alice] = await registerUsers(server, 1);
  });
  afterAll(closeAll);

  it('a steady flood of unsolicited pong frames at ~100x WS_RATE_LIMIT is closed with 1008 within seconds, like a ping flood', async () => {
    const client = await connectClient(server, alice.cookie);
    // 10 pongs every 10 ms (~1000/s, 100x the rate), the same flood ws-ping-flood.test.ts sends as pings.
    const timer = setInterval(() => {
      if (client.ws.readyState === client.ws.OPEN) for (let i = 0; i < 10; i++) client.ws.pong();
    }, 10);
    try {
      const closed = await closedWithin(client, 5000).catch((err: Error) => ({ code: -1, reason: err.message }));
      expect(closed.code, 'the pong flood was never charged: the socket stayed open').toBe(1008);
    } finally {
      clearInterval(timer);
    }
  }, 10_000);
});
