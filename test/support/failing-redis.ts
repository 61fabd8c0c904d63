/**
 * A Redis that answers every command with one error (`-LOADING ...`,
 * `-WRONGPASS ...`), on a spare port: what ioredis meets when a real Redis
 * restarts or its password changed, without touching the shared Redis.
 */
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface FailingRedis {
  port: number;
  close(): Promise<void>;
}

/** `reply`: the error line without the leading `-` and the CRLF. */
export async function startFailingRedis(reply: string): Promise<FailingRedis> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', () => socket.write(`-${reply}\r\n`));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
