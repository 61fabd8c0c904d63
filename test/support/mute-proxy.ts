/**
 * A TCP proxy in front of PostgreSQL that can go "mute": requests still reach
 * the server (and commit), but the answers are dropped from the statement
 * that names a given text on, as when the link dies right after COMMIT.
 */
import { createServer, connect, type Socket } from 'node:net';

export interface MuteProxy {
  via(url: string): string;
  /** The answer of the next statement containing `text`, and everything after it on that connection, is dropped. */
  mute(text: string): void;
  /** Back to forwarding; connections open while muted are dropped. */
  restore(): void;
  close(): Promise<void>;
}

export async function startMuteProxy(target: { host: string; port: number }): Promise<MuteProxy> {
  let muted = false;
  let trigger = '';
  const pairs = new Set<[Socket, Socket, { muted: boolean }]>();
  const server = createServer((client) => {
    const upstream = connect(target);
    const state = { muted: false };
    const pair: [Socket, Socket, { muted: boolean }] = [client, upstream, state];
    pairs.add(pair);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => {
      upstream.destroy();
      pairs.delete(pair);
    });
    upstream.on('close', () => client.destroy());
    // Muted: the answer to the next statement that names `trigger` (and everything after it) is dropped.
    client.on('data', (d) => {
      if (muted && trigger && d.includes(trigger)) state.muted = true;
      upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (!state.muted) client.write(d);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    via(url) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    mute(text) {
      trigger = text;
      muted = true;
    },
    restore() {
      muted = false;
      for (const pair of pairs) {
        if (!pair[2].muted) continue;
        pair[0].destroy();
        pair[1].destroy();
        pairs.delete(pair);
      }
    },
    async close() {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
