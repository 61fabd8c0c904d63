/**
 * A password change deletes the asking session's old id only once the broker
 * took the keep order that renames its sockets on every instance
 * (endOtherSignIns awaits Manager.keepSession): a keep order still on its way
 * when the old id is deleted would leave another instance's socket under an
 * id that no longer exists, and its next re-check would close it (4401).
 * In-process, PostgreSQL + Redis: A's publish of the keep order is slowed.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Broker } from '../../src/websocket/broker.js';
import { startInstancePair, type InstancePair } from '../support/instance-pair.js';
import { connectClient, registerUser, type TestClient, type TestServer } from '../support/server.js';
import { describeWithPostgresAndRedis } from '../support/services.js';

const isOpen = (c: TestClient) => c.ws.readyState === c.ws.OPEN;

await describeWithPostgresAndRedis('a password change publishes the keep order before it deletes the old id', (urls) => {
  let A: TestServer;
  let B: TestServer;
  let pair: InstancePair;

  beforeAll(async () => {
    pair = await startInstancePair(urls, 'pwkeep', { TOKEN_SECRET: 'token-secret-token-secret-token-secret-0123' });
    ({ A, B } = pair);
  }, 60_000);
  afterAll(() => pair?.stop(), 30_000);

  it("a keep order slow to reach Redis still reaches B before the old id is deleted: B's re-check keeps the socket", async () => {
    const user = await registerUser(A);
    const onB = await connectClient(B, user.cookie);
    // The Manager's broker (private): its keep orders reach Redis 300 ms late.
    const broker = (A.parlor.manager as unknown as { broker: Broker }).broker;
    const publish = broker.publishDisconnect!.bind(broker);
    broker.publishDisconnect = async (order) => {
      if ('keep' in order) await new Promise((resolve) => setTimeout(resolve, 300));
      return publish(order);
    };
    try {
      const res = await A.http.post('/api/auth/password').set('cookie', user.cookie).send({ current_password: user.password, new_password: 'new passphrase one' });
      expect(res.status).toBe(204);
      expect(await B.parlor.manager.recheckSessions()).toBe(0);
      // Long enough for B to hear the keep order, and for a 4401 sent meanwhile to reach the client.
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(await B.parlor.manager.recheckSessions()).toBe(0);
      expect(isOpen(onB)).toBe(true);
    } finally {
      broker.publishDisconnect = publish;
    }
  });
});
