/**
 * Two Parlor mounts in one host app (/a, /b), scaled out with Redis, as
 * docs/scaling.md "Using the broker in your own app" says: one RedisBroker
 * per mount, each with its own prefix. A message sent on mount A reaches its
 * recipient's socket on A, and not the same user id's socket on B.
 *
 * It used to be that one broker passed to both mounts was accepted: the
 * second Manager's `setDeliver` replaced the first's, and A's frames went to
 * B's connections. That is now refused at createParlor
 * (test/unit/broker-serves-one-parlor.test.ts); this is the way that works.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createParlor, type Parlor } from '../../src/app.js';
import { RedisBroker } from '../../src/broker/redis-broker.js';
import { ParlorOptionsError } from '../../src/parlor-options.js';
import { openSqliteStores } from '../../src/store/sqlite/index.js';
import type { Stores } from '../../src/store/types.js';
import { HOST_USER_HEADER, headerResolver } from '../support/host-app.js';
import { closeAll, connectClient, targetOf, type HttpTarget } from '../support/server.js';
import { REDIS_URL, deleteRedisKeys, requireRedis } from '../support/services.js';

const PREFIX = `two-mounts-${randomUUID().slice(0, 8)}`;
const opened: Array<{ stores: Stores; parlor: Parlor; broker: RedisBroker }> = [];
let server: Server;
let target: HttpTarget;

beforeAll(async () => {
  await requireRedis();
  const app = express();
  server = createServer(app);
  for (const prefix of ['/a', '/b']) {
    const stores = openSqliteStores({ path: ':memory:', sessionPruneIntervalMs: 0, writer: 'inline' });
    const broker = new RedisBroker({ url: REDIS_URL, prefix: `${PREFIX}${prefix.replace('/', '-')}` });
    await broker.waitUntilReady(5000);
    const parlor = createParlor({ stores, sessionResolver: headerResolver, userDirectory: { existing: (ids) => [...ids] }, tokens: false, processMetrics: false, broker });
    app.use(prefix, parlor.router);
    parlor.attach(server, { path: `${prefix}/ws` });
    opened.push({ stores, parlor, broker });
  }
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  target = targetOf(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
afterAll(async () => {
  for (const { parlor, stores } of opened) {
    await parlor.close(); // closes its broker too
    await stores.close();
  }
  server?.closeAllConnections();
  await new Promise((ok) => server?.close(ok));
  for (const mount of ['-a', '-b']) await deleteRedisKeys(REDIS_URL, `${PREFIX}${mount}`); // each broker's own prefix
  await closeAll(); // last: it removes the temporary folders the stores above live in
});

const wsOf = (mount: string) => `${target.url.replace('http', 'ws')}${mount}/ws`;

it("a message sent on mount A reaches its recipient's socket on A, and not the same id's socket on B", async () => {
  const bobOnA = await connectClient(target, undefined, { url: wsOf('/a'), headers: { [HOST_USER_HEADER]: '2' } });
  const bobOnB = await connectClient(target, undefined, { url: wsOf('/b'), headers: { [HOST_USER_HEADER]: '2' } });
  await target.http.post('/a/api/messages/private').set(HOST_USER_HEADER, '1').send({ to: 2, content: 'hi bob, on A' }).expect(201);
  expect(await bobOnA.next('private', undefined, 2000)).toMatchObject({ from: 1, to: 2, content: 'hi bob, on A' });
  await expect(bobOnB.next('private', undefined, 300)).rejects.toThrow();
});

it('a third mount on the broker of mount A is refused, naming broker', () => {
  expect(() =>
    createParlor({ stores: opened[0]!.stores, sessionResolver: headerResolver, tokens: false, processMetrics: false, broker: opened[0]!.broker }),
  ).toThrow(ParlorOptionsError);
});
