import { Router } from 'express';
import type { Registry } from 'prom-client';
import type { HttpContext } from './context.js';
import { PING_SHARING, SharedPing, type PingSharing } from './shared-ping.js';

/** `GET /healthz` and `GET /metrics`, no session needed: `parlor.opsRouter`, mounted where the host wants them. */
export function opsRoutes(ctx: HttpContext, metrics: Registry, pingSharing: PingSharing = PING_SHARING): Router {
  const r = Router();
  const storesAnswer = new SharedPing(() => ctx.stores.ping(), pingSharing);

  r.get('/healthz', async (_req, res) => {
    try {
      await storesAnswer.check();
      if (!ctx.manager.isRunning) throw new Error('shutting down');
      res.json({ status: 'ok' });
    } catch (err) {
      ctx.logger.warn({ err }, 'health check failed');
      // The contract's error shape, and `status` as in the 200 answer, for probes that read only it.
      res.status(503).json({ status: 'unavailable', error: 'unavailable', message: 'the stores do not answer, or the server is shutting down' });
    }
  });

  r.get('/metrics', async (_req, res) => {
    res.type(metrics.contentType).send(await metrics.metrics());
  });

  return r;
}
