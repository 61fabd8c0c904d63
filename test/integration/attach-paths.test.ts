/**
 * `parlor.attach(server, {path})` refuses, at attach, the paths that could
 * not work: one another Parlor mount already serves on that server (each
 * `attach(server)` without a path serves `wsPath`, '/ws' by default, so two
 * mounts attached the short way share it), and one no request can have (no
 * leading '/'), as `wsPath` is refused at createParlor.
 *
 * It used to accept both. Two mounts on one path both took every upgrade:
 * the second `handleUpgrade` of a socket the first had upgraded threw inside
 * ws and the socket was destroyed, so nobody could stay connected, and
 * nothing named the cause. 'chat/ws' silently matched no request.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import type { Parlor } from '../../src/app.js';
import { useAttachMounts } from '../support/attach-mounts.js';
import { HOST_USER_HEADER } from '../support/host-app.js';
import { connectClient, targetOf } from '../support/server.js';

const mounts = useAttachMounts();
const mount = (): Parlor => mounts.mount({ tokens: false });
const listening = (): Promise<Server> => mounts.listening();

/** 'open' when a socket to the server's /ws gets its welcome and stays open for a while. */
async function socketStaysOpen(server: Server): Promise<string> {
  const target = targetOf(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return connectClient(target, undefined, { headers: { [HOST_USER_HEADER]: '5' } }).then(
    (client) => Promise.race([client.closed.then((c) => `closed ${c.code}`), new Promise<string>((r) => setTimeout(() => r('open'), 300))]),
    (err: Error) => `failed: ${err.message}`,
  );
}

it('a second mount attached on the path another mount serves on that server throws, naming the path; the first still serves it', async () => {
  const server = await listening();
  mount().attach(server);
  expect(() => mount().attach(server)).toThrow(/another Parlor mount already serves \/ws on this server/);
  expect(await socketStaysOpen(server)).toBe('open');
});

it('the same path on another server, or after the first mount stopped listening, is accepted', async () => {
  const [one, two] = [await listening(), await listening()];
  const stop = mount().attach(one);
  mount().attach(two);
  stop();
  stop(); // a second call frees nothing the next mount holds
  mount().attach(one);
  expect(() => mount().attach(one)).toThrow(/already serves/);
  expect(await socketStaysOpen(one)).toBe('open');
});

it("attach with a path no request can have ('chat/ws', no leading /) throws, as wsPath does", async () => {
  const server = await listening();
  expect(() => mount().attach(server, { path: 'chat/ws' })).toThrow(/^attach: path must start with \//);
  expect(() => mount().attach(server, { path: '/chat/ws?x=1' })).toThrow(TypeError);
});
