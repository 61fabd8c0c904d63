import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Manager } from './websocket/manager.js';

/**
 * One Prometheus registry per Parlor instance (two mounts never share
 * counters). Gauges read the Manager when scraped; nothing runs per message.
 */
export function createMetrics(manager: Manager, withProcessMetrics = true): Registry {
  const registry = new Registry();
  if (withProcessMetrics) collectDefaultMetrics({ register: registry, prefix: 'parlor_' });
  new Gauge({
    name: 'parlor_ws_connections',
    help: 'Open WebSocket connections on this instance',
    registers: [registry],
    collect() {
      this.set(manager.connectionCount);
    },
  });
  new Gauge({
    name: 'parlor_online_users',
    help: 'Users with at least one open connection on this instance',
    registers: [registry],
    collect() {
      this.set(manager.onlineUsers().length);
    },
  });
  const frames = new Counter({
    name: 'parlor_ws_frames_received_total',
    help: 'Client frames received, by type (invalid frames count as "invalid")',
    labelNames: ['type'],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'parlor_ws_errors_sent_total',
    help: 'error frames sent, by code',
    labelNames: ['code'],
    registers: [registry],
  });
  manager.events.on('frame', (type: string) => frames.inc({ type }));
  manager.events.on('frameError', (code: string) => errors.inc({ code }));
  return registry;
}
