/**
 * `parlor.close()` undoes every `attach`: the closed mount's 'upgrade'
 * listener, its path and its token scope are released, so a host that closes
 * its Parlor (a restart of its chat module, a hot reload, tests sharing one
 * server) can attach a new Parlor to the same server and path, and that one
 * answers the upgrades (not the closed one's 503).
 */
import type { Server } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Parlor } from '../../src/app.js';
import { useAttachMounts } from '../support/attach-mounts.js';
import { HOST_USER_HEADER } from '../support/host-app.js';
import { connectClient, targetOf, upgradeStatus } from '../support/server.js';

const { mount, listening: listeningServer } = useAttachMounts();

async function listening(): Promise<{ server: Server; url: string }> {
  const server = await listeningServer();
  const { port } = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${port}` };
}

/** A token key (sessionSecret): each mount claims its default token scope on the server, released by close() too. */
const parlorOnItsOwnStores = (options: { sessionSecret?: string } = {}): Parlor => mount(options);

describe('parlor.close() and attach', () => {
  it('releases the listener, path and token scope: a new Parlor attaches to the same server and path and serves it', async () => {
    const { server, url } = await listening();
    const secret = 'close-releases-attach-secret-0123456789';
    const first = parlorOnItsOwnStores({ sessionSecret: secret });
    first.attach(server);
    await first.close();

    expect(server.listeners('upgrade'), 'the closed mount no longer listens').toHaveLength(0);
    const second = parlorOnItsOwnStores({ sessionSecret: secret });
    expect(() => second.attach(server), 'same path, same token scope').not.toThrow();
    expect(server.listeners('upgrade')).toHaveLength(1);

    // The new mount takes the upgrades; the closed one answers none of them (it would refuse with 503).
    const client = await connectClient(targetOf(url), undefined, { headers: { [HOST_USER_HEADER]: '7' } });
    expect(client.frames[0]).toMatchObject({ type: 'welcome', user_id: 7 });
    expect(await upgradeStatus(targetOf(url).wsUrl), 'no credentials: the live mount answers 401').toBe(401);
  });

  it('releases every path a mount attached to, and a detach called before close() stays undone once', async () => {
    const { server } = await listening();
    const parlor = parlorOnItsOwnStores();
    const detachA = parlor.attach(server, { path: '/a/ws' });
    parlor.attach(server, { path: '/b/ws' });
    detachA();
    // Another mount takes /a/ws meanwhile: the first one's close() must not free it.
    const other = parlorOnItsOwnStores();
    other.attach(server, { path: '/a/ws' });
    await parlor.close();

    expect(server.listeners('upgrade')).toHaveLength(1);
    expect(() => parlorOnItsOwnStores().attach(server, { path: '/b/ws' })).not.toThrow();
    expect(() => parlorOnItsOwnStores().attach(server, { path: '/a/ws' })).toThrow(/another Parlor mount already serves \/a\/ws/);
  });
});
