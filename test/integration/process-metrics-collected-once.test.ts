/**
 * prom-client's process metrics are collected once per process
 * (src/metrics.ts, processMetricsRegistry): collecting them starts a GC
 * PerformanceObserver and an event-loop-delay monitor that nothing stops,
 * which hold the registry they were registered in. Collected again for each
 * Parlor, each created Parlor would leave one such registry (and its
 * observers) alive for good, even with the Parlor itself collected.
 */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createParlor } from '../../src/app.js';
import { liveInstances } from '../support/live-objects.js';
import { freshSqliteStores } from '../support/sqlite-stores.js';

const CYCLES = 20;
const MARGIN = CYCLES / 10;

describe('process metrics over many Parlors', () => {
  it('leave no registry per closed Parlor', { timeout: 20_000 }, async () => {
    const { stores, cleanup } = await freshSqliteStores('process-metrics-once');
    const once = async () => {
      const parlor = createParlor({ stores, sessionSecret: 'a session secret for the process-metrics test', passwordHashCost: 10 });
      await parlor.close();
    };
    try {
      await once(); // the process's own registry is made here, once
      const before = await liveInstances(Registry);
      for (let i = 0; i < CYCLES; i++) await once();
      const after = await liveInstances(Registry);
      expect(after - before).toBeLessThan(MARGIN);
    } finally {
      await cleanup();
    }
  });
});
