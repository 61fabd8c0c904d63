import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeAll, closedWithin, connectClient, registerUsers, startTestServer, type TestServer, type TestUser } from '../support/server.js';

// Contract section 3: "Every frame counts toward the rate limit; a flood beyond it gets rate_limited errors,
// and persistent abuse (seconds, not minutes) closes with 1008."
describe('ping frames and the per-connection rate limit', () => {
  let server: TestServer;
  let alice: TestUser;

  beforeAll(async () => {
    server = await startTestServer({ WS_RATE_LIMIT: '10', WS_RATE_BURST: '5' });
    [alice] = await registerUsers(server, 1);
  });
  afterAll(closeAll);

  it('a steady flood of ping frames at ~100x WS_RATE_LIMIT is closed with 1008 within seconds', async () => {
    const client = await connectClient(server, alice.cookie);
    // 10 pings every 10 ms (~1000/s, 100x the rate); the client reads every pong, so it is not a slow reader.
    const timer = setInterval(() => {
      if (client.ws.readyState === client.ws.OPEN) for (let i = 0; i < 10; i++) client.ws.ping();
    }, 10);
    try {
      const closed = await closedWithin(client, 5000);
      expect(closed.code).toBe(1008);
    } finally {
      clearInterval(timer);
    }
  }, 10_000);
});
