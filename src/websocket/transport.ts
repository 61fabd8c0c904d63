/**
 * The byte stream under one WebSocket: the socket of its HTTP upgrade (a
 * `net.Socket` or a TLS socket), which `ws` writes every frame to. `ws` keeps
 * it private (`_socket`) and has no public cork or drain; the upgrade handler
 * holds the same socket publicly and passes it on (`Manager.addConnection`'s
 * third argument). Without one (a test's SocketLike, a host that hands over
 * only the WebSocket) nothing is corked and catching up is polled.
 */
export interface Transport {
  cork(): void;
  uncork(): void;
  /** Whether 'drain' will be emitted: a write found the buffer at its high-water mark and it has not emptied since. */
  readonly writableNeedDrain: boolean;
  once(event: 'drain', listener: () => void): unknown;
  off(event: 'drain', listener: () => void): unknown;
}
