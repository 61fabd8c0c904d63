/**
 * AUTH_RATE_LIMIT across a cluster (contract section 1: "several `npm start`
 * processes behind one load balancer behave as one server"): two instances
 * on one PostgreSQL schema and a private redis-server, the limit at 3 a
 * minute per client IP. Attempts spread over both instances count against
 * one budget; with Redis gone, each instance still counts its own.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithServices, startCluster, type Cluster, type Instance } from '../support/cluster.js';
import { startPrivateRedis, type PrivateRedis } from '../support/services.js';

const LIMIT = 3;

await describeWithServices('scale-out: AUTH_RATE_LIMIT is one budget for the cluster', { redisServer: true }, ({ databaseUrl }) => {
  let redis: PrivateRedis;
  let cluster: Cluster;
  let A: Instance, B: Instance;

  const login = (at: Instance, forwardedFor: string) =>
    at.http.post('/api/auth/login').set('x-forwarded-for', forwardedFor).send({ username: 'nobody', password: 'not the password' });

  beforeAll(async () => {
    redis = await startPrivateRedis();
    cluster = await startCluster({
      databaseUrl,
      redisUrl: redis.url,
      names: ['A', 'B'],
      label: 'authlimit',
      // Behind one balancer: the client address comes from X-Forwarded-For (one trusted hop).
      envOf: () => ({ AUTH_RATE_LIMIT: String(LIMIT), TRUST_PROXY: '1' }),
    });
    [A, B] = cluster.instances as [Instance, Instance];
  }, 90_000);
  afterAll(async () => {
    await cluster?.stop();
    await redis?.stop();
  }, 30_000);

  it('attempts from one client over both instances share one budget; another client has its own', async () => {
    await login(A, '203.0.113.1').expect(401);
    await login(B, '203.0.113.1').expect(401);
    await login(A, '203.0.113.1').expect(401);
    const refused = await login(B, '203.0.113.1').expect(429);
    expect(refused.body).toEqual({ error: 'rate_limited', message: expect.any(String) });
    await login(A, '203.0.113.1').expect(429);
    await login(B, '203.0.113.2').expect(401);
  });

  it('with Redis gone, each instance still counts its own attempts (the per-process limit holds)', async () => {
    await redis.stop();
    for (let i = 0; i < LIMIT; i++) await login(A, '203.0.113.9').expect(401);
    await login(A, '203.0.113.9').expect(429);
  });
});
