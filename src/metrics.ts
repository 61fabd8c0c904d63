import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Broker } from './websocket/broker.js';
import type { Manager } from './websocket/manager.js';

/** What a broker that talks to a server (RedisBroker) reports about that link. */
interface ObservableBroker {
  readonly status: string;
  readonly droppedPublishes: number;
}

function isObservable(broker: Broker | undefined): broker is Broker & ObservableBroker {
  const b = broker as Partial<ObservableBroker> | undefined;
  return typeof b?.status === 'string' && typeof b.droppedPublishes === 'number';
}

/**
 * One Prometheus registry per Parlor instance (two mounts never share
 * counters). Gauges read the Manager when scraped; nothing runs per message.
 */
export function createMetrics(manager: Manager, withProcessMetrics = true, broker?: Broker): Registry {
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
  if (isObservable(broker)) {
    new Gauge({
      name: 'parlor_broker_connected',
      help: '1 while the broker (Redis) is connected and subscribed, else 0: cross-instance delivery is off',
      registers: [registry],
      collect() {
        this.set(broker.status === 'ready' ? 1 : 0);
      },
    });
    let counted = 0;
    new Counter({
      name: 'parlor_broker_dropped_publishes_total',
      help: 'Frames delivered to this instance only because the broker (Redis) was unreachable; remote recipients recover them with sync',
      registers: [registry],
      collect() {
        const now = broker.droppedPublishes;
        if (now > counted) this.inc(now - counted);
        counted = now;
      },
    });
  }
  manager.events.on('frame', (type: string) => frames.inc({ type }));
  manager.events.on('frameError', (code: string) => errors.inc({ code }));
  return registry;
}
