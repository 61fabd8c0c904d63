/**
 * A tiny raw WebSocket client over `net`, the way `ws` tests itself: build
 * frames with any FIN/RSV/opcode/mask bits (including illegal ones), perform
 * the HTTP upgrade by hand, and read back what the server writes.
 * Used by the protocol-abuse tests; never use it where a real `ws` client does.
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export const Opcode = {
  continuation: 0x0,
  text: 0x1,
  binary: 0x2,
  close: 0x8,
  ping: 0x9,
  pong: 0xa,
} as const;

export interface FrameSpec {
  opcode: number;
  payload?: Buffer | string;
  /** Default true. */
  fin?: boolean;
  rsv1?: boolean;
  rsv2?: boolean;
  rsv3?: boolean;
  /** Clients must mask (RFC 6455 5.3); default true. */
  masked?: boolean;
  maskKey?: Buffer;
  /** The payload length the header claims, when it should lie about the real one. */
  claimedLength?: number | bigint;
}

/** Encodes one frame exactly as specified, legal or not. */
export function buildFrame(spec: FrameSpec): Buffer {
  const payload = typeof spec.payload === 'string' ? Buffer.from(spec.payload) : (spec.payload ?? Buffer.alloc(0));
  const masked = spec.masked ?? true;
  const claimed = BigInt(spec.claimedLength ?? payload.length);
  const first =
    ((spec.fin ?? true) ? 0x80 : 0) | (spec.rsv1 ? 0x40 : 0) | (spec.rsv2 ? 0x20 : 0) | (spec.rsv3 ? 0x10 : 0) | (spec.opcode & 0x0f);
  const maskBit = masked ? 0x80 : 0;
  let header: Buffer;
  if (claimed < 126n) {
    header = Buffer.from([first, maskBit | Number(claimed)]);
  } else if (claimed < 65536n) {
    header = Buffer.alloc(4);
    header[0] = first;
    header[1] = maskBit | 126;
    header.writeUInt16BE(Number(claimed), 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = first;
    header[1] = maskBit | 127;
    header.writeBigUInt64BE(claimed, 2);
  }
  if (!masked) return Buffer.concat([header, payload]);
  const key = spec.maskKey ?? randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i]! ^= key[i % 4]!;
  return Buffer.concat([header, key, body]);
}

/** A masked text frame carrying `text`. */
export const textFrame = (text: string | Buffer, more: Partial<FrameSpec> = {}) => buildFrame({ opcode: Opcode.text, payload: text, ...more });

/** A masked close frame with `code` (and an optional raw reason). */
export function closeFrame(code: number, reason: Buffer | string = ''): Buffer {
  const r = typeof reason === 'string' ? Buffer.from(reason) : reason;
  const payload = Buffer.alloc(2 + r.length);
  payload.writeUInt16BE(code, 0);
  r.copy(payload, 2);
  return buildFrame({ opcode: Opcode.close, payload });
}

export interface ServerFrame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

/** Incremental reader of the (unmasked) frames a server writes. */
export class FrameReader {
  private buffer = Buffer.alloc(0);

  push(chunk: Buffer): ServerFrame[] {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    const out: ServerFrame[] = [];
    for (;;) {
      const frame = this.next();
      if (!frame) return out;
      out.push(frame);
    }
  }

  private next(): ServerFrame | undefined {
    const b = this.buffer;
    if (b.length < 2) return undefined;
    let length = b[1]! & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (b.length < 4) return undefined;
      length = b.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (b.length < 10) return undefined;
      length = Number(b.readBigUInt64BE(2));
      offset = 10;
    }
    if (b[1]! & 0x80) offset += 4; // a server never masks, but do not misread if it did
    if (b.length < offset + length) return undefined;
    const frame = { fin: (b[0]! & 0x80) !== 0, opcode: b[0]! & 0x0f, payload: b.subarray(offset, offset + length) };
    this.buffer = b.subarray(offset + length);
    return frame;
  }
}

export interface UpgradeRequest {
  /** Session cookie (`name=value`). */
  cookie?: string;
  /** Extra headers, in order; a list allows duplicates and thousands of them. */
  headers?: Record<string, string> | Array<[string, string]>;
  path?: string;
  /** Bytes written right after the request head (frames sent before the 101 arrives). */
  head?: Buffer;
}

export interface RawWebSocket {
  socket: Socket;
  /** Status of the handshake response: 101 when upgraded, 0 when the socket closed with no response. */
  status: number;
  /** Response headers, lower-cased names. */
  headers: Record<string, string>;
  /** Body of a refused handshake (whatever arrived before the socket closed). */
  body: string;
  /** Every frame read after the 101. */
  frames: ServerFrame[];
  /** The text frames, parsed as JSON. */
  messages(): Array<Record<string, any>>;
  /** Resolves with the next text frame whose JSON `type` matches, waiting up to `ms`. */
  nextMessage(type: string, ms?: number): Promise<Record<string, any>>;
  write(data: Buffer): void;
  /** Resolves when the TCP socket is closed: the server's close code (if it sent a close frame) and reason. */
  closed: Promise<{ code: number | undefined; reason: Buffer }>;
  /** Write errors (EPIPE/ECONNRESET) are expected when abusing a server; they land here. */
  errors: Error[];
  destroy(): void;
}

/**
 * Opens a TCP connection to `url` (http://host:port), sends a hand-written
 * upgrade request and resolves once the response head has arrived or the
 * socket has closed. On 101 the Sec-WebSocket-Accept header is checked and
 * the socket then speaks frames: a close frame from the server is answered
 * and the socket ended, like a well-behaved client.
 */
export function rawUpgrade(url: string, request: UpgradeRequest = {}): Promise<RawWebSocket> {
  return startUpgrade(url, request).response;
}

/** Like `rawUpgrade`, but hands back the socket at once, for a client that gives up before any answer. */
export function startUpgrade(url: string, request: UpgradeRequest = {}): { socket: Socket; response: Promise<RawWebSocket> } {
  const { hostname, port } = new URL(url);
  const key = randomBytes(16).toString('base64');
  const lines = [
    `GET ${request.path ?? '/ws'} HTTP/1.1`,
    `Host: ${hostname}:${port}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${key}`,
    'Sec-WebSocket-Version: 13',
  ];
  if (request.cookie) lines.push(`Cookie: ${request.cookie}`);
  const extra = Array.isArray(request.headers) ? request.headers : Object.entries(request.headers ?? {});
  for (const [name, value] of extra) lines.push(`${name}: ${value}`);
  const requestHead = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');

  const socket = connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port) });
  const reader = new FrameReader();
  const errors: Error[] = [];
  const waiters = new Set<() => void>();
  let handshake: Buffer = Buffer.alloc(0);
  let mode: 'handshake' | 'frames' | 'refused' = 'handshake';
  let closeCode: number | undefined;
  let closeReason: Buffer = Buffer.alloc(0);
  let sentClose = false;

  const raw: RawWebSocket = {
    socket,
    status: 0,
    headers: {},
    body: '',
    frames: [],
    errors,
    messages: () =>
      raw.frames.filter((f) => f.opcode === Opcode.text).map((f) => JSON.parse(f.payload.toString('utf8')) as Record<string, any>),
    nextMessage(type, ms = 3000) {
      let seen = 0;
      return new Promise((resolve, reject) => {
        const check = () => {
          const all = raw.messages();
          for (; seen < all.length; seen++) {
            if (all[seen]!.type === type) {
              waiters.delete(check);
              clearTimeout(timer);
              resolve(all[seen]!);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no '${type}' frame within ${ms} ms; got ${JSON.stringify(raw.messages().map((m) => m.type))}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
    write(data) {
      if (!socket.destroyed && socket.writable) socket.write(data);
    },
    closed: new Promise((resolve) => socket.once('close', () => resolve({ code: closeCode, reason: closeReason }))),
    destroy: () => socket.destroy(),
  };

  const onFrames = (frames: ServerFrame[]) => {
    for (const frame of frames) {
      raw.frames.push(frame);
      if (frame.opcode === Opcode.close) {
        closeCode = frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : undefined;
        closeReason = frame.payload.subarray(2);
        if (!sentClose) {
          sentClose = true;
          raw.write(buildFrame({ opcode: Opcode.close, payload: frame.payload.subarray(0, 2) }));
        }
        socket.end();
      }
    }
    for (const w of [...waiters]) w();
  };

  const response = new Promise<RawWebSocket>((resolve, reject) => {
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      resolve(raw);
    };
    socket.on('error', (err) => errors.push(err));
    socket.on('data', (chunk: Buffer) => {
      if (mode === 'frames') return onFrames(reader.push(chunk));
      if (mode === 'refused') {
        raw.body += chunk.toString('utf8');
        return;
      }
      handshake = Buffer.concat([handshake, chunk]);
      const end = handshake.indexOf('\r\n\r\n');
      if (end === -1) return;
      parseHead(raw, handshake.subarray(0, end).toString('latin1'));
      const rest = handshake.subarray(end + 4);
      if (raw.status !== 101) {
        // Refused: collect the body until the server closes.
        mode = 'refused';
        raw.body = rest.toString('utf8');
        socket.once('end', settle);
        return;
      }
      // RFC 6455 section 1.3
      const expected = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      if (raw.headers['sec-websocket-accept'] !== expected) {
        socket.destroy();
        return reject(new Error('bad Sec-WebSocket-Accept'));
      }
      mode = 'frames';
      onFrames(reader.push(rest));
      settle();
    });
    socket.once('close', settle);
    socket.once('connect', () => {
      socket.write(requestHead);
      if (request.head) socket.write(request.head);
    });
    socket.once('error', (err) => {
      if (!socket.connecting) return;
      reject(err);
    });
  });
  return { socket, response };
}

function parseHead(raw: RawWebSocket, head: string): void {
  const [statusLine, ...headerLines] = head.split('\r\n');
  raw.status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1] ?? 0);
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) raw.headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
}
