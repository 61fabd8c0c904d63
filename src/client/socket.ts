/**
 * The smallest WebSocket surface the client needs. The browser `WebSocket`,
 * the `ws` package's `WebSocket` and most webview/React Native sockets all
 * satisfy it, so the implementation can be injected.
 */

/** A handler type checked bivariantly, so sockets whose events carry more fields still fit. */
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

export interface MessageEventLike {
  data: unknown;
}
export interface CloseEventLike {
  code: number;
  reason: string;
}

export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: Handler<unknown> | null;
  onmessage: Handler<MessageEventLike> | null;
  onclose: Handler<CloseEventLike> | null;
  onerror: Handler<unknown> | null;
}

/** `new WebSocket(url, protocols)`, as in browsers and in the `ws` package. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** `readyState` values, shared by every implementation. */
export const ReadyState = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 } as const;

export interface SocketHandlers {
  open(): void;
  message(text: string): void;
  error(event: unknown): void;
  close(code: number, reason: string): void;
}

/** Wire `handlers` to `socket`; returns the function that detaches them again. */
export function attachSocket(socket: WebSocketLike, handlers: SocketHandlers): () => void {
  socket.onopen = () => handlers.open();
  socket.onerror = (event) => handlers.error(event);
  socket.onclose = (event) => handlers.close(event?.code ?? 1006, event?.reason ?? '');
  socket.onmessage = (event) => {
    const text = decodeText(event?.data);
    if (text !== undefined) handlers.message(text);
  };
  return () => {
    socket.onopen = null;
    // Keep an error handler: the ws package throws an 'error' event nobody listens to.
    socket.onerror = ignore;
    socket.onclose = null;
    socket.onmessage = null;
  };
}

function ignore(): void {}

/** Text of a frame: browsers give strings; some Node sockets give bytes. Anything else is not ours. */
function decodeText(data: unknown): string | undefined {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new TextDecoder().decode(new Uint8Array(data));
  if (ArrayBuffer.isView(data)) return new TextDecoder().decode(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return undefined;
}
