/**
 * A bearer token is for the mount that issued it (docs/tokens.md "Keys and
 * audience"). Two mounts in one app (README: "Each mount on a server needs a
 * path of its own"; docs/scaling.md "Two mounts in one app") that pass the
 * app's one session secret share the token key, while each holds its own
 * users under the same ids.
 *
 * It used to be that tokens carried no audience: alice's token of /support
 * opened /chat as bob, /chat's user of the same id. Now each token's `aud` is
 * its mount's (`wsPath` by default, or `tokens.audience`), and every instance
 * of one mount, built with the same options, still takes the others' tokens.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import { createParlor, type Parlor, type ParlorOptions } from '../../src/app.js';
import { openSqliteStores } from '../../src/store/sqlite/index.js';
import type { Stores } from '../../src/store/types.js';
import { closeAll, connectClient, targetOf, upgradeStatus, type HttpTarget } from '../support/server.js';

const SECRET = 'the one session secret of this host app';
type MountOptions = Omit<ParlorOptions, 'stores' | 'sessionSecret'>;

const opened: Array<{ parlor: Parlor; stores: Stores }> = [];
const servers: Server[] = [];
afterAll(async () => {
  for (const { parlor } of opened) await parlor.close();
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((ok) => server.close(ok));
  }
  for (const stores of new Set(opened.map((o) => o.stores))) await stores.close();
  await closeAll(); // last: it removes the temporary folders the stores above live in
});

/**
 * One host app serving a Parlor at each prefix: its own stores (unless given),
 * the same session secret, attached at `<prefix>/ws`.
 */
async function hostApp(mounts: Record<string, MountOptions & { stores?: Stores }>): Promise<HttpTarget> {
  const app = express();
  const server = createServer(app);
  servers.push(server);
  for (const [prefix, { stores = openSqliteStores({ path: ':memory:', sessionPruneIntervalMs: 0 }), ...options }] of Object.entries(mounts)) {
    const parlor = createParlor({ stores, sessionSecret: SECRET, passwordHashCost: 10, processMetrics: false, ...options });
    app.use(prefix, parlor.router);
    parlor.attach(server, { path: `${prefix}/ws` });
    opened.push({ parlor, stores });
  }
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return targetOf(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const socketUrl = (host: HttpTarget, path: string) => `${host.url.replace('http', 'ws')}${path}`;

/** Registers bob at /chat and alice at /support (the same id, each mount's first user); alice's /support token. */
async function aliceAndBob(host: HttpTarget): Promise<string> {
  const bob = await host.http.post('/chat/api/auth/register').send({ username: 'bob', password: 'bobs password' }).expect(201);
  const alice = await host.http.post('/support/api/auth/register').send({ username: 'alice', password: 'alices password' }).expect(201);
  expect(alice.body.id).toBe(bob.body.id);
  return (await host.http.post('/support/api/auth/token').send({ username: 'alice', password: 'alices password' }).expect(201)).body.token;
}

describe('a token issued by one mount of an app', () => {
  it("is refused by another mount sharing the key (it would name that mount's user of the same id), on HTTP and on the upgrade", async () => {
    const host = await hostApp({ '/chat': { wsPath: '/chat/ws' }, '/support': { wsPath: '/support/ws' } });
    const token = await aliceAndBob(host);

    const me = await host.http.get('/chat/api/auth/me').set(bearer(token));
    expect(me.status, `alice's /support token at /chat answered ${me.status} ${JSON.stringify(me.body)}`).toBe(401);
    expect(await upgradeStatus(socketUrl(host, '/chat/ws'), bearer(token))).toBe(401);

    // At its own mount it is alice, on HTTP and on the socket.
    await host.http.get('/support/api/auth/me').set(bearer(token)).expect(200, { id: 1, username: 'alice' });
    const socket = await connectClient(host, undefined, { url: socketUrl(host, '/support/ws'), headers: bearer(token) });
    expect(socket.all('welcome')[0]).toMatchObject({ user_id: 1 });
  });

  it('is refused by another mount when both keep the default wsPath and attach paths of their own, given each its tokens.audience', async () => {
    const host = await hostApp({ '/chat': { tokens: { audience: 'chat' } }, '/support': { tokens: { audience: 'support' } } });
    const token = await aliceAndBob(host);
    await host.http.get('/chat/api/auth/me').set(bearer(token)).expect(401);
    await host.http.get('/support/api/auth/me').set(bearer(token)).expect(200, { id: 1, username: 'alice' });
  });
});

it('a token issued by one instance of a mount works on another instance built with the same options (scale-out)', async () => {
  const stores = openSqliteStores({ path: ':memory:', sessionPruneIntervalMs: 0 });
  const instanceA = await hostApp({ '/chat': { stores, wsPath: '/chat/ws' } });
  const instanceB = await hostApp({ '/chat': { stores, wsPath: '/chat/ws' } });
  await instanceA.http.post('/chat/api/auth/register').send({ username: 'carol', password: 'carols password' }).expect(201);
  const { token } = (await instanceA.http.post('/chat/api/auth/token').send({ username: 'carol', password: 'carols password' }).expect(201)).body;

  await instanceB.http.get('/chat/api/auth/me').set(bearer(token)).expect(200, { id: 1, username: 'carol' });
  const socket = await connectClient(instanceB, undefined, { url: socketUrl(instanceB, '/chat/ws'), headers: bearer(token) });
  expect(socket.all('welcome')[0]).toMatchObject({ user_id: 1 });
});

describe('attach refuses a second mount that would take another mount\'s tokens on the same server', () => {
  const stores = openSqliteStores({ path: ':memory:', sessionPruneIntervalMs: 0 });
  const mount = (options: MountOptions = {}) => {
    const parlor = createParlor({ stores, sessionSecret: SECRET, passwordHashCost: 10, processMetrics: false, ...options });
    opened.push({ parlor, stores });
    return parlor;
  };

  it('both keep the default wsPath (so the same audience) and share the key: the second attach throws, naming wsPath and tokens.audience', () => {
    const server = createServer();
    const chat = mount();
    const support = mount();
    const stop = chat.attach(server, { path: '/chat/ws' });
    expect(() => support.attach(server, { path: '/support/ws' })).toThrow(/same key for the same default audience.*wsPath or tokens\.audience/);
    // Once the first mount stops listening there, the second may attach.
    stop();
    expect(() => support.attach(server, { path: '/support/ws' })).not.toThrow();
  });

  it('one mount on two paths, mounts with their own wsPath or tokens.audience, an explicitly shared audience, or tokens off: all attach', () => {
    const server = createServer();
    const chat = mount();
    chat.attach(server, { path: '/chat/ws' });
    chat.attach(server, { path: '/chat/ws2' });
    mount({ wsPath: '/support/ws' }).attach(server);
    mount({ tokens: { audience: 'help' } }).attach(server, { path: '/help/ws' });
    mount({ tokens: { audience: 'shared' } }).attach(server, { path: '/a/ws' });
    mount({ tokens: { audience: 'shared' } }).attach(server, { path: '/b/ws' });
    mount({ tokens: false }).attach(server, { path: '/notokens/ws' });
    // Another key, the default audience: other tokens altogether.
    const otherKey = createParlor({ stores, sessionSecret: 'another session secret, another key', passwordHashCost: 10, processMetrics: false });
    opened.push({ parlor: otherKey, stores });
    expect(() => otherKey.attach(server, { path: '/other/ws' })).not.toThrow();
  });
});
