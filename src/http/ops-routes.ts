import { Router } from 'express';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import type { Awaitable } from '../types.js';
import type { HttpContext } from './context.js';
import { PING_SHARING, SharedPing, type PingSharing } from './shared-ping.js';

/** `GET /healthz` and `GET /metrics`, no session needed: `parlor.opsRouter`, mounted where the host wants them. */
export function opsRoutes(ctx: HttpContext, metrics: Registry, pingSharing: PingSharing = PING_SHARING): Router {
  // Exact paths only: a proxy rule written for `/metrics` (nginx locations are case-sensitive) must not
  // leave `/METRICS` or `/metrics/` open, as Express's default case-insensitive, lenient routing did.
  const r = Router({ caseSensitive: true, strict: true });
  const storesAnswer = new SharedPing(loggingChanges(() => ctx.stores.ping(), ctx.logger), pingSharing);

  // Nothing is logged per request: anyone may call /healthz, as often as it likes (the stores' state changes are logged once each).
  r.get('/healthz', async (_req, res) => {
    const storesOk = await storesAnswer.check().then(
      () => true,
      () => false,
    );
    if (storesOk && ctx.manager.isRunning) {
      res.json({ status: 'ok' });
      return;
    }
    // The contract's error shape, and `status` as in the 200 answer, for probes that read only it.
    res.status(503).json({ status: 'unavailable', error: 'unavailable', message: 'the stores do not answer, or the server is shutting down' });
  });

  r.get('/metrics', async (_req, res) => {
    res.type(metrics.contentType).send(await metrics.metrics());
  });

  return r;
}

/**
 * The stores' ping, logging when its outcome changes: a warn line with the
 * error when the stores stop answering, an info line when they answer again.
 * Called once per fresh ping (SharedPing), never once per request, so a
 * stranger's probes during an outage add no line to the log.
 */
function loggingChanges(ping: () => Awaitable<void>, logger: Logger): () => Promise<void> {
  let failing = false;
  return async () => {
    try {
      await ping();
    } catch (err) {
      if (!failing) logger.warn({ err }, 'health check failed: the stores do not answer (logged again only after they answered)');
      failing = true;
      throw err;
    }
    if (failing) logger.info('health check: the stores answer again');
    failing = false;
  };
}
