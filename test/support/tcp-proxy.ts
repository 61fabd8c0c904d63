/**
 * A TCP proxy in front of a real service (PostgreSQL, Redis), for outage
 * drills that never touch the service itself: `cut()` drops every connection
 * and stops listening (connection refused, as when the server is down),
 * `stall()` keeps sockets open but forwards nothing (a network partition:
 * only timeouts notice), `restore()` serves again on the same port.
 */
import { createServer, type Server, type Socket, connect } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** `url` with its host and port replaced by the proxy's. */
  via(url: string): string;
  /** Connections accepted so far (to check a client really went through the proxy). */
  readonly accepted: number;
  /** Destroys every connection and stops listening. */
  cut(): Promise<void>;
  /** Forwards nothing in either direction, accepting new connections but never answering them. */
  stall(): void;
  /** Back to forwarding, listening on the same port again; stalled connections are dropped. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  const held = new Set<Socket>();
  let server: Server | null = null;
  let port = 0;
  let accepted = 0;
  let stalled = false;

  const onConnection = (client: Socket) => {
    accepted += 1;
    client.on('error', () => {});
    if (stalled) {
      // Accepted, never answered: only the client's connect timeout can notice.
      held.add(client);
      client.on('close', () => held.delete(client));
      return;
    }
    const upstream = connect(target);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.on('close', () => pairs.delete(pair));
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const srv = createServer(onConnection);
      srv.once('error', reject);
      srv.listen(port, '127.0.0.1', () => {
        const addr = srv.address();
        port = typeof addr === 'object' && addr ? addr.port : port;
        server = srv;
        resolve();
      });
    });

  const dropAll = () => {
    for (const [a, b] of pairs) {
      a.destroy();
      b.destroy();
    }
    pairs.clear();
    for (const s of held) s.destroy();
    held.clear();
  };

  const stopListening = async () => {
    const srv = server;
    server = null;
    if (srv) await new Promise<void>((resolve) => srv.close(() => resolve()));
  };

  await listen();
  return {
    get port() {
      return port;
    },
    get accepted() {
      return accepted;
    },
    via(url: string) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    async cut() {
      stalled = false;
      const closed = stopListening();
      dropAll();
      await closed;
    },
    stall() {
      stalled = true;
      for (const [a, b] of pairs) {
        a.unpipe();
        b.unpipe();
        a.pause();
        b.pause();
      }
    },
    async restore() {
      stalled = false;
      dropAll();
      if (!server) await listen();
    },
    async close() {
      stalled = false;
      const closed = stopListening();
      dropAll();
      await closed;
    },
  };
}
