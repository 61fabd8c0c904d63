import { readdirSync } from 'node:fs';
import express, { Router } from 'express';
import helmet from 'helmet';

/**
 * The page's Content-Security-Policy: its own scripts, styles and socket
 * only, and no framing at all (clickjacking). Kept in step with the meta tag
 * of demo/index.html, which cannot say `frame-ancestors`.
 */
const DEMO_CSP = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

const isSourceMap = (name: string) => name.endsWith('.map');

/**
 * The demo chat page (`npm start`, dist/public) with helmet's headers and
 * the CSP above. Only the files the folder held at start are served (`/` is
 * its index.html): every other request, `/api/*` and `/healthz` included,
 * falls through untouched, without a file-system lookup on the way (a stat
 * per request queued health checks behind the thread pool under load).
 * Source maps are never served: they would hand out the unminified page.
 */
export function demoPage(dir: string): Router {
  const r = Router();
  const headers = helmet({ contentSecurityPolicy: { useDefaults: false, directives: DEMO_CSP }, frameguard: { action: 'deny' } });
  const files = express.static(dir);
  const served = new Set(['/', ...readdirSync(dir).filter((name) => !isSourceMap(name)).map((name) => `/${name}`)]);
  r.use((req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !served.has(req.path)) return next();
    headers(req, res, (err?: unknown) => (err ? next(err) : files(req, res, next)));
  });
  return r;
}
