// A TCP proxy that adds `delayMs` to every chunk, in each direction: a network
// hop on one machine (1 ms each way is about a datacentre round trip between
// two hosts). Order is kept: timers of equal duration fire in the order they
// were set. No backpressure (a benchmark's database traffic is small).

import { connect, createServer } from 'node:net';

/** Starts the proxy on a free loopback port; `via(url)` rewrites a postgres:// URL to go through it. */
export async function startDelayProxy({ host, port }, delayMs) {
  const sockets = new Set();
  const delayed = (from, to) =>
    from.on('data', (chunk) => {
      if (delayMs > 0) setTimeout(() => to.write(chunk), delayMs);
      else to.write(chunk);
    });
  const server = createServer((client) => {
    const upstream = connect({ host, port });
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        // the other side ends once what was already delayed has been written
        setTimeout(() => (s === client ? upstream : client).destroy(), delayMs + 1);
      });
    }
    delayed(client, upstream);
    delayed(upstream, client);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const listening = server.address().port;
  return {
    port: listening,
    delayMs,
    via(url) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(listening);
      return u.toString();
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
