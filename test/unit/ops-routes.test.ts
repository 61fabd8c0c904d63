/**
 * Rule (docs/operations.md, "/healthz" and "Limits that protect the server"):
 * everything a stranger can send is bounded in cost. `GET /healthz` needs no
 * session (contract section 2) and each of its answers rests on a store
 * query (`stores.ping()`: on PostgreSQL a connection of the pool, on SQLite
 * work on the main thread). So the requests that arrive while a ping is under
 * way share it, and past `freshPerSecond` fresh pings a second the latest
 * answer (at most `reuseMs` old) is given again; probes at a load balancer's
 * pace still get a fresh answer each.
 *
 * What used to happen: 200 concurrent probes made 200 store queries.
 *
 * The routes over a fake context (stores and manager), with a clock the test
 * moves: nothing waits for wall time.
 */
import express from 'express';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import supertest from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HttpContext } from '../../src/http/context.js';
import { opsRoutes } from '../../src/http/ops-routes.js';
import { silentLogger, type Logger } from '../../src/logger.js';
import { pino } from 'pino';

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
});

const FRESH_PER_SECOND = 3;
const REUSE_MS = 1000;

async function serveOps(logger: Logger = silentLogger) {
  let time = 0;
  const ping = vi.fn<() => void | Promise<void>>(() => undefined);
  const manager = { isRunning: true };
  const ctx = { stores: { ping }, manager, logger } as unknown as HttpContext;
  let arrived = 0;
  const app = express();
  app.use((_req, _res, next) => {
    arrived++;
    next();
  });
  app.use(opsRoutes(ctx, new Registry(), { reuseMs: REUSE_MS, freshPerSecond: FRESH_PER_SECOND, now: () => time }));
  const server = createServer(app);
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const http = supertest(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return {
    ping,
    manager,
    arrived: () => arrived,
    advance: (ms: number) => void (time += ms),
    healthz: () => http.get('/healthz'),
    get: (path: string) => http.get(path),
  };
}

const UNAVAILABLE = { status: 'unavailable', error: 'unavailable', message: expect.any(String) };

describe('GET /healthz and the stores ping', () => {
  it('200 concurrent probes share the one ping under way', async () => {
    const ops = await serveOps();
    let answer!: () => void;
    ops.ping.mockImplementationOnce(() => new Promise<void>((resolve) => (answer = resolve)));
    const probes = Array.from({ length: 200 }, () => ops.healthz());
    const answers = Promise.all(probes.map((p) => p.then((r) => [r.status, r.body] as const)));
    await vi.waitFor(() => expect(ops.arrived()).toBe(200));
    answer();
    expect(new Set((await answers).map(([status, body]) => `${status} ${JSON.stringify(body)}`))).toEqual(new Set(['200 {"status":"ok"}']));
    expect(ops.ping).toHaveBeenCalledTimes(1);
  });

  it(`a fresh ping for each of the first ${FRESH_PER_SECOND} a second after one; past them the latest answer is reused, at most ${REUSE_MS} ms`, async () => {
    const ops = await serveOps();
    for (let i = 0; i < 20; i++) expect((await ops.healthz()).body).toEqual({ status: 'ok' });
    expect(ops.ping).toHaveBeenCalledTimes(1 + FRESH_PER_SECOND);
    // One more fresh ping's worth of time: one more ping.
    ops.advance(1000 / FRESH_PER_SECOND);
    for (let i = 0; i < 5; i++) await ops.healthz().expect(200);
    expect(ops.ping).toHaveBeenCalledTimes(2 + FRESH_PER_SECOND);
    // The stores stop answering: a reused answer is at most REUSE_MS old, then the failure shows.
    ops.ping.mockImplementation(() => {
      throw new Error('the store is gone');
    });
    await ops.healthz().expect(200);
    ops.advance(REUSE_MS);
    expect((await ops.healthz().expect(503)).body).toEqual(UNAVAILABLE);
    expect(ops.ping).toHaveBeenCalledTimes(3 + FRESH_PER_SECOND);
    // A failure is reused like a success, in the same shape, once the second's fresh pings are spent.
    for (let i = 0; i < 20; i++) expect((await ops.healthz().expect(503)).body).toEqual(UNAVAILABLE);
    expect(ops.ping).toHaveBeenCalledTimes(3 + 2 * FRESH_PER_SECOND);
  });

  it('probes at a load balancer pace get a fresh answer each: a store that fails is a 503 at once, and 200 once it answers', async () => {
    const ops = await serveOps();
    await ops.healthz().expect(200);
    ops.ping.mockRejectedValueOnce(new Error('connection refused'));
    ops.advance(100);
    expect((await ops.healthz().expect(503)).body).toEqual(UNAVAILABLE);
    ops.advance(100);
    await ops.healthz().expect(200);
    expect(ops.ping).toHaveBeenCalledTimes(3);
  });

  it('shutting down is a 503 at once, even while an answer of the stores is reused', async () => {
    const ops = await serveOps();
    for (let i = 0; i <= FRESH_PER_SECOND; i++) await ops.healthz().expect(200);
    ops.manager.isRunning = false;
    expect((await ops.healthz().expect(503)).body).toEqual(UNAVAILABLE);
    expect(ops.ping).toHaveBeenCalledTimes(1 + FRESH_PER_SECOND);
  });
});

/**
 * Rule (docs/operations.md, "Logs" and "Limits that protect the server"): `/healthz`
 * is not logged, and a stranger cannot write the log. What used to happen: while the
 * stores were down, every probe, a reused answer included, wrote a warn line with a stack.
 */
describe('GET /healthz and the log', () => {
  function capture() {
    const lines: Array<{ level: number; msg: string; err?: unknown }> = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    return { logger, lines };
  }

  it('an outage of the stores is one warn line however many probes come, and its end one info line', async () => {
    const { logger, lines } = capture();
    const ops = await serveOps(logger);
    await ops.healthz().expect(200);
    ops.ping.mockRejectedValue(new Error('the store is gone'));
    // 100 concurrent probes, then fresh pings second after second: one line.
    await Promise.all(Array.from({ length: 100 }, () => ops.healthz().expect(503)));
    for (let second = 0; second < 5; second++) {
      ops.advance(1000);
      for (let i = 0; i < 20; i++) await ops.healthz().expect(503);
    }
    expect(ops.ping.mock.calls.length).toBeGreaterThan(5 * FRESH_PER_SECOND);
    expect(lines).toEqual([expect.objectContaining({ level: 40, msg: expect.stringContaining('health check failed'), err: expect.objectContaining({ message: 'the store is gone' }) })]);
    ops.ping.mockReset();
    ops.advance(1000);
    for (let i = 0; i < 20; i++) await ops.healthz().expect(200);
    expect(lines.slice(1)).toEqual([expect.objectContaining({ level: 30, msg: expect.stringContaining('answer again') })]);
  });

  it('shutting down is a 503 with no log line', async () => {
    const { logger, lines } = capture();
    const ops = await serveOps(logger);
    ops.manager.isRunning = false;
    for (let i = 0; i < 20; i++) await ops.healthz().expect(503);
    expect(lines).toEqual([]);
  });
});

/**
 * Rule (docs/operations.md, "Behind nginx"): the proxy keeps /metrics off the internet. nginx
 * locations are case-sensitive, Express routes were not: `/METRICS` passed a
 * `location /metrics` rule and got the whole Prometheus text. Only the exact paths are served.
 */
describe('the ops routes answer their exact paths only', () => {
  it.each(['/METRICS', '/Metrics', '/metrics/', '/HEALTHZ', '/Healthz', '/healthz/'])('%s is not served', async (path) => {
    const ops = await serveOps();
    await ops.get(path).expect(404);
    expect(ops.ping).not.toHaveBeenCalled();
  });

  it('/metrics and /healthz are', async () => {
    const ops = await serveOps();
    await ops.get('/metrics').expect(200);
    await ops.get('/healthz').expect(200);
  });
});
