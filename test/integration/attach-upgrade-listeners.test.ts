/**
 * `parlor.attach(server, {path})` and the upgrades no listener takes: closed
 * when every 'upgrade' listener of the server is a Parlor mount (Node applies
 * no timeout to an upgrade socket, so nobody's would stay open for free, and
 * `server.close()` would wait for it); left alone when the host listens too,
 * since the host owns the paths Parlor does not serve.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Parlor } from '../../src/app.js';
import { useAttachMounts } from '../support/attach-mounts.js';
import { startUpgrade } from '../support/raw-ws.js';

/** The status an upgrade to `path` is answered with (0: closed without an answer), or 'still open' after `ms`. */
async function answerTo(server: Server, path: string, ms = 2000): Promise<number | 'still open'> {
  const { port } = server.address() as AddressInfo;
  const { socket, response } = startUpgrade(`http://127.0.0.1:${port}`, { path });
  let timer: NodeJS.Timeout | undefined;
  const stillOpen = new Promise<'still open'>((resolve) => (timer = setTimeout(() => resolve('still open'), ms)));
  const answer = await Promise.race([response.then((raw) => raw.status), stillOpen]);
  clearTimeout(timer);
  socket.destroy();
  return answer;
}

/** Resolves true when `server.close()` finished within `ms`: no socket left open. */
function closesWithin(server: Server, ms: number): Promise<boolean> {
  return Promise.race([new Promise<boolean>((resolve) => server.close(() => resolve(true))), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);
}

const mounts = useAttachMounts();
const parlorOnItsOwnStores = (): Parlor => mounts.mount({ tokens: false });

async function listening(server: Server): Promise<Server> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

describe('two Parlor mounts on one server', () => {
  it('each answers its own path, and an upgrade to any other path is closed, so server.close() finishes', async () => {
    const server = await listening(createServer());
    parlorOnItsOwnStores().attach(server, { path: '/a/ws' });
    parlorOnItsOwnStores().attach(server, { path: '/b/ws' });
    // No credentials: each mount answers 401, the second one too after the first declined.
    expect(await answerTo(server, '/a/ws')).toBe(401);
    expect(await answerTo(server, '/b/ws')).toBe(401);
    expect(await answerTo(server, '/nowhere')).toBe(0);
    expect(await answerTo(server, '/a/ws/extra')).toBe(0);
    expect(await closesWithin(server, 2000)).toBe(true);
  });

  it('after one mount stops listening, an upgrade to its path is closed too', async () => {
    const server = await listening(createServer());
    const stopA = parlorOnItsOwnStores().attach(server, { path: '/a/ws' });
    parlorOnItsOwnStores().attach(server, { path: '/b/ws' });
    stopA();
    expect(await answerTo(server, '/a/ws')).toBe(0);
    expect(await answerTo(server, '/b/ws')).toBe(401);
    expect(await closesWithin(server, 2000)).toBe(true);
  });
});

describe('one Parlor mount beside an upgrade listener of the host', () => {
  it('leaves the paths it does not serve to the host, which may answer later', async () => {
    const server = await listening(createServer());
    parlorOnItsOwnStores().attach(server, { path: '/chat/ws' });
    server.on('upgrade', (req: { url?: string }, socket: Duplex) => {
      // Later than Parlor's refusal of the path: Parlor must not have closed the socket meanwhile.
      if (req.url === '/host/ws') setTimeout(() => socket.end('HTTP/1.1 418 I\'m a Teapot\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'), 100);
      // The host closes what it does not serve, in its own time.
      else if (req.url !== '/chat/ws') setTimeout(() => socket.destroy(), 500);
    });
    expect(await answerTo(server, '/host/ws')).toBe(418);
    expect(await answerTo(server, '/chat/ws')).toBe(401);
    // A path neither serves is the host's to close: Parlor leaves it open.
    expect(await answerTo(server, '/nowhere', 300)).toBe('still open');
    expect(await closesWithin(server, 2000)).toBe(true);
  });
});
