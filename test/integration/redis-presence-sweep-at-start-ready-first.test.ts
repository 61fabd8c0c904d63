/**
 * The sweep at start (src/broker/redis-presence.ts, sweepAtStart) runs as
 * soon as Redis is ready and someone can announce, whichever comes first: a
 * host that connects its RedisBroker and waits until it is ready before it
 * creates the Parlor (the Manager sets the presence handler last) gets the
 * sweep too, not one sweepIntervalMs later. The stale records are those of a
 * deployment whose every instance stopped.
 */
import { afterEach, expect, it, vi } from 'vitest';
import { RedisBroker } from '../../src/broker/redis-broker.js';
import { STOPPED_DEPLOYMENT_CONTACTS, STOPPED_DEPLOYMENT_TIMING, stoppedDeployment, type Cluster } from '../support/broker-cluster.js';
import { createHarness, type Harness } from '../support/mocks.js';
import { describeWithRedis } from '../support/services.js';

await describeWithRedis('RedisBroker: the sweep at start when Redis is ready before the Manager', (url) => {
  let cluster: Cluster | undefined;
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
    await cluster?.stop();
    cluster = undefined;
  });

  it('a broker ready before its Manager exists still sweeps the stopped deployment at once', async () => {
    ({ cluster } = await stoppedDeployment(url));

    const broker = new RedisBroker({ url, prefix: cluster.prefix, ...STOPPED_DEPLOYMENT_TIMING });
    await broker.waitUntilReady(); // ready first; the Manager (and its presence handler) comes after
    h = createHarness({ contacts: STOPPED_DEPLOYMENT_CONTACTS, broker });
    await vi.waitFor(async () => expect(await h!.manager.filterOnline([2, 3])).toEqual([]), { timeout: 2000, interval: 20 });
  });
});
