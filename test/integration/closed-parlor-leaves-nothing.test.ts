/**
 * Rule (README "Use it inside your Express app", parlor.close()): a closed
 * Parlor leaves nothing behind in the process, so a host may create, attach
 * and close Parlors over the same stores and server as often as it likes
 * (tenants, hot reload, a test suite).
 *
 * What used to happen:
 *  - with `processMetrics` on (the default), each Parlor ran prom-client's
 *    collectDefaultMetrics into its own registry, which starts a GC
 *    PerformanceObserver and an event-loop-delay monitor that nothing stops;
 *    they held the registry, its gauges' collect functions and so the whole
 *    closed Parlor (~240 KB each, measured fresh);
 *  - with it off, each Parlor left express-session's 'connect'/'disconnect'
 *    listeners on `stores.sessions` (Node warned of a leak after ten) and its
 *    auth limiter's MemoryStore in express-rate-limit's module-level Set.
 *
 * Counted, never weighed: live Managers and MemoryStores (after a full GC,
 * test/support/live-objects.ts) and the listeners on `stores.sessions`,
 * before and after CYCLES Parlors are created, attached and closed. A leak
 * adds one per Parlor; the margin is a tenth of that.
 */
import express from 'express';
import { MemoryStore } from 'express-rate-limit';
import { createServer } from 'node:http';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { createParlor, type Parlor } from '../../src/app.js';
import { Manager } from '../../src/websocket/manager.js';
import { liveInstances } from '../support/live-objects.js';
import { freshSqliteStores } from '../support/sqlite-stores.js';

const CYCLES = 40;
const MARGIN = CYCLES / 10;
const SECRET = 'a session secret for the closed-parlor test';

async function createAttachClose(processMetrics: boolean) {
  const { stores, cleanup } = await freshSqliteStores('closed-parlor');
  const server = createServer();
  const listeners = () => ({ connect: stores.sessions.listenerCount('connect'), disconnect: stores.sessions.listenerCount('disconnect') });
  const once = async () => {
    const parlor = createParlor({ stores, sessionSecret: SECRET, passwordHashCost: 10, processMetrics });
    parlor.attach(server);
    await parlor.close();
  };
  try {
    // The first one also loads what a process keeps once (modules' caches; the process metrics, when on).
    await once();
    const before = { listeners: listeners(), managers: await liveInstances(Manager), limiterStores: await liveInstances(MemoryStore) };
    for (let i = 0; i < CYCLES; i++) await once();
    const after = { listeners: listeners(), managers: await liveInstances(Manager), limiterStores: await liveInstances(MemoryStore) };
    return { before, after };
  } finally {
    await cleanup();
  }
}

describe('createParlor, attach, close, over and over on the same stores and server', () => {
  it('processMetrics on (the default): no closed Parlor stays alive', { timeout: 20_000 }, async () => {
    const { before, after } = await createAttachClose(true);
    expect(after.managers - before.managers).toBeLessThan(MARGIN);
  });

  it('processMetrics off: no listener left on stores.sessions, no rate-limit store kept', { timeout: 20_000 }, async () => {
    const { before, after } = await createAttachClose(false);
    // Exactly: a shared store's listeners of others (another Parlor, the host) are not touched, and none of ours stays.
    expect(after.listeners).toEqual(before.listeners);
    expect(after.limiterStores - before.limiterStores).toBeLessThan(MARGIN);
    expect(after.managers - before.managers).toBeLessThan(MARGIN);
  });

  it("closing one Parlor leaves another's listeners on the shared session store", async () => {
    const { stores, cleanup } = await freshSqliteStores('closed-parlor-shared');
    try {
      const host = () => {};
      stores.sessions.on('disconnect', host);
      const first = createParlor({ stores, sessionSecret: SECRET, processMetrics: false });
      const second = createParlor({ stores, sessionSecret: SECRET, processMetrics: false });
      expect(stores.sessions.listenerCount('disconnect')).toBe(3);
      await first.close();
      expect(stores.sessions.listeners('disconnect')).toHaveLength(2);
      expect(stores.sessions.listeners('disconnect')).toContain(host);
      await second.close();
      expect(stores.sessions.listeners('disconnect')).toEqual([host]);
    } finally {
      await cleanup();
    }
  });
});

/**
 * The process metrics, now collected once per process, are still in each
 * Parlor's /metrics (and `parlor.metrics`) that wants them, beside its own,
 * and in none that turned them off.
 */
describe('process metrics in /metrics', () => {
  const PROCESS_METRICS = ['parlor_process_cpu_user_seconds_total', 'parlor_nodejs_gc_duration_seconds', 'parlor_nodejs_eventloop_lag_seconds'];

  const scrape = async (parlor: Parlor) => {
    const app = express();
    app.use(parlor.opsRouter);
    const res = await supertest(app).get('/metrics').expect(200);
    return res.text;
  };

  it('in every Parlor with processMetrics on, in none with it off, and still there once another Parlor closed', async () => {
    const { stores, cleanup } = await freshSqliteStores('process-metrics');
    const parlors: Parlor[] = [];
    try {
      const make = (processMetrics?: boolean) => {
        const parlor = createParlor({ stores, sessionSecret: SECRET, ...(processMetrics === undefined ? {} : { processMetrics }) });
        parlors.push(parlor);
        return parlor;
      };
      const [first, second, off] = [make(), make(true), make(false)];
      for (const parlor of [first, second]) {
        const text = await scrape(parlor);
        for (const name of [...PROCESS_METRICS, 'parlor_ws_connections']) expect(text).toContain(`# TYPE ${name} `);
      }
      const offText = await scrape(off);
      expect(offText).toContain('# TYPE parlor_ws_connections ');
      expect(offText).not.toMatch(/^# TYPE parlor_(process|nodejs)_/m);
      await first.close();
      const later = await scrape(second);
      for (const name of PROCESS_METRICS) expect(later).toContain(`# TYPE ${name} `);
      expect((await second.metrics.getMetricsAsJSON()).map((m) => m.name)).toEqual(expect.arrayContaining(PROCESS_METRICS));
    } finally {
      for (const parlor of parlors) await parlor.close();
      await cleanup();
    }
  });
});
