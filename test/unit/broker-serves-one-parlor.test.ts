/**
 * A broker hands what it receives to one Manager: `setDeliver` (and the other
 * handlers) keep the last one set. So one broker serves one Parlor, and
 * `createParlor` refuses a broker that already serves another with a
 * ParlorOptionsError naming `broker` (docs/scaling.md "Using the broker in
 * your own app").
 *
 * It used to accept it silently: the second mount's Manager replaced the
 * first's handler, and every frame of the first mount (messages, receipts,
 * presence) went to the second mount's connections
 * (test/integration/redis-two-mounts.test.ts has the two mounts done right).
 */
import { afterAll, expect, it } from 'vitest';
import { createParlor, type Parlor } from '../../src/app.js';
import { ParlorOptionsError } from '../../src/parlor-options.js';
import { openSqliteStores } from '../../src/store/sqlite/index.js';
import { InProcessBroker } from '../../src/websocket/broker.js';

const stores = openSqliteStores({ path: ':memory:', sessionPruneIntervalMs: 0, writer: 'inline' });
const parlors: Parlor[] = [];
afterAll(async () => {
  for (const parlor of parlors) await parlor.close();
  await stores.close();
});

const mountOn = (broker: InProcessBroker) => {
  const parlor = createParlor({ stores, sessionSecret: 'a session secret of the test', processMetrics: false, broker });
  parlors.push(parlor);
  return parlor;
};

it('a second createParlor with a broker that already serves a Parlor throws a ParlorOptionsError naming broker', () => {
  const broker = new InProcessBroker();
  mountOn(broker);
  let refused: unknown;
  try {
    mountOn(broker);
  } catch (err) {
    refused = err;
  }
  expect(refused).toBeInstanceOf(ParlorOptionsError);
  expect((refused as ParlorOptionsError).problems).toEqual([expect.stringMatching(/^broker: already serves another Parlor/)]);
});

it('each mount with its own broker is accepted', () => {
  expect(() => [mountOn(new InProcessBroker()), mountOn(new InProcessBroker())]).not.toThrow();
});
