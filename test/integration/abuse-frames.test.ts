/**
 * Protocol-level abuse with raw bytes on a `net` socket (issue 5, item 6):
 * frames no conforming client sends. Each case expects the close code `ws`
 * documents for it, and afterwards the server must still serve a normal client.
 */
import { describe, expect, it } from 'vitest';
import { Opcode, buildFrame, closeFrame, rawUpgrade, textFrame, type RawWebSocket } from '../support/raw-ws.js';
import {
  connectClient,
  waitFor,
  type TestServer,
  type TestUser,
  useSurvivingServer,
} from '../support/server.js';

const MAX_FRAME_BYTES = 65536; // the contract's default, left unset on purpose

describe('raw protocol abuse', () => {
  let server: TestServer;
  let alice: TestUser;

  useSurvivingServer((s, user) => {
    server = s;
    alice = user;
  });

  /** An authenticated raw socket, past its `welcome`. */
  async function open(): Promise<RawWebSocket> {
    const raw = await rawUpgrade(server.url, { cookie: alice.cookie });
    expect(raw.status).toBe(101);
    await raw.nextMessage('welcome');
    return raw;
  }

  /** The code of the server's close frame; fails if the socket stays open. */
  async function closeCodeOf(raw: RawWebSocket, ms = 3000): Promise<number | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`socket still open after ${ms} ms`)), ms);
    });
    try {
      return (await Promise.race([raw.closed, timeout])).code;
    } finally {
      clearTimeout(timer);
      raw.destroy();
    }
  }

  async function expectClose(frames: Buffer | Buffer[], code: number | number[]): Promise<void> {
    const raw = await open();
    for (const f of [frames].flat()) raw.write(f);
    const got = await closeCodeOf(raw);
    expect([code].flat()).toContain(got);
  }

  it('closes an unmasked client frame with 1002', async () => {
    await expectClose(buildFrame({ opcode: Opcode.text, payload: '{"type":"sync","since":0}', masked: false }), 1002);
  });

  it('closes frames with reserved bits set (no extension negotiated) with 1002', async () => {
    const payload = '{"type":"sync","since":0}';
    await expectClose(buildFrame({ opcode: Opcode.text, payload, rsv1: true }), 1002);
    await expectClose(buildFrame({ opcode: Opcode.text, payload, rsv2: true }), 1002);
    await expectClose(buildFrame({ opcode: Opcode.text, payload, rsv3: true }), 1002);
    await expectClose(buildFrame({ opcode: Opcode.ping, payload: 'x', rsv1: true }), 1002);
  });

  it('closes every reserved opcode (0x3-0x7, 0xB-0xF) with 1002', async () => {
    const opcodes = [0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xc, 0xd, 0xe, 0xf];
    await Promise.all(opcodes.map((opcode) => expectClose(buildFrame({ opcode, payload: 'abc' }), 1002)));
  });

  it('closes a continuation with nothing to continue, or a new message inside a fragmented one, with 1002', async () => {
    await expectClose(buildFrame({ opcode: Opcode.continuation, payload: 'x' }), 1002);
    await expectClose([textFrame('{"type":', { fin: false }), textFrame('"sync"}')], 1002);
  });

  it('closes invalid UTF-8 in a text frame with 1007, whole or split across fragments', async () => {
    const invalid = [
      Buffer.from([0xff, 0xfe]), // never valid
      Buffer.from([0xc0, 0xaf]), // overlong '/'
      Buffer.from([0xed, 0xa0, 0x80]), // a UTF-16 surrogate encoded as UTF-8
      Buffer.from([0xf4, 0x90, 0x80, 0x80]), // above U+10FFFF
      Buffer.concat([Buffer.from('{"type":"private","to":1,"content":"'), Buffer.from([0xe2, 0x28, 0xa1]), Buffer.from('"}')]),
    ];
    for (const bytes of invalid) await expectClose(textFrame(bytes), 1007);
    // A sequence cut between fragments is fine; an invalid one is caught when the message completes.
    await expectClose([textFrame(Buffer.from([0x22, 0xe2]), { fin: false }), buildFrame({ opcode: Opcode.continuation, payload: Buffer.from([0x28, 0x22]) })], 1007);
    // And in the reason of a close frame.
    await expectClose(closeFrame(1000, Buffer.from([0xff])), 1007);
  });

  it('closes a close frame with an invalid status code with 1002', async () => {
    await expectClose(closeFrame(999), 1002);
    await expectClose(closeFrame(1005), 1002);
    await expectClose(buildFrame({ opcode: Opcode.close, payload: Buffer.from([0x03]) }), 1002); // 1-byte body
  });

  it('closes control frames over 125 bytes, or fragmented, with 1002', async () => {
    await expectClose(buildFrame({ opcode: Opcode.ping, payload: Buffer.alloc(126, 0x61) }), 1002);
    await expectClose(buildFrame({ opcode: Opcode.pong, payload: Buffer.alloc(200, 0x61) }), 1002);
    await expectClose(buildFrame({ opcode: Opcode.close, payload: Buffer.alloc(126, 0x61) }), 1002);
    await expectClose(buildFrame({ opcode: Opcode.ping, payload: 'x', fin: false }), 1002);
  });

  it('answers a ping with a pong carrying the same payload', async () => {
    const raw = await open();
    raw.write(buildFrame({ opcode: Opcode.ping, payload: 'are you there' }));
    await waitFor(() => raw.frames.some((f) => f.opcode === Opcode.pong), 2000, 'pong');
    expect(raw.frames.find((f) => f.opcode === Opcode.pong)!.payload.toString()).toBe('are you there');
    raw.destroy();
  });

  it('closes a flood of tiny continuation fragments (5000 one-byte frames) without buffering them all', async () => {
    const flood = [textFrame('{', { fin: false })];
    for (let i = 0; i < 5000; i++) flood.push(buildFrame({ opcode: Opcode.continuation, payload: ' ', fin: false }));
    // ws stops at maxFragments (1024 here) with 1008 "Too many message fragments".
    const raw = await open();
    raw.write(Buffer.concat(flood));
    expect([1008, 1009]).toContain(await closeCodeOf(raw));
    // The cap sits far below 5000: 1100 fragments, and no end to the message, are enough.
    const capped = await open();
    capped.write(Buffer.concat(flood.slice(0, 1100)));
    expect([1008, 1009]).toContain(await closeCodeOf(capped));
  });

  it('closes a frame larger than MAX_FRAME_BYTES with 1009, whether or not its payload ever arrives', async () => {
    // The full payload, one byte over the limit.
    await expectClose(textFrame(Buffer.alloc(MAX_FRAME_BYTES + 1, 0x20)), 1009);
    // Only a header claiming 16 MiB: refused from the header alone, nothing buffered.
    await expectClose(buildFrame({ opcode: Opcode.text, claimedLength: 16 * 1024 * 1024 }), 1009);
    // A 64-bit length beyond 2^53 - 1.
    await expectClose(buildFrame({ opcode: Opcode.binary, claimedLength: 2n ** 63n }), 1009);
    // Fragments each under the limit whose sum is over it.
    const half = Buffer.alloc(MAX_FRAME_BYTES / 2 + 1, 0x20);
    await expectClose([textFrame(half, { fin: false }), buildFrame({ opcode: Opcode.continuation, payload: half })], 1009);
  });

  it('keeps a frame of exactly MAX_FRAME_BYTES open and answers it', async () => {
    const raw = await open();
    const prefix = '{"type":"sync","since":0}';
    raw.write(textFrame(prefix + ' '.repeat(MAX_FRAME_BYTES - prefix.length)));
    await raw.nextMessage('synced');
    raw.destroy();
  });

  it('answers a binary frame and a non-JSON text frame with an error frame and keeps the raw socket open', async () => {
    const raw = await open();
    raw.write(buildFrame({ opcode: Opcode.binary, payload: Buffer.from('{"type":"sync","since":0}') }));
    expect(await raw.nextMessage('error')).toMatchObject({ code: 'bad_request' });
    raw.write(textFrame('this is not json'));
    expect(await raw.nextMessage('error')).toMatchObject({ code: 'bad_request' });
    raw.write(textFrame(JSON.stringify({ type: 'private', to: alice.id, content: 'after the bad ones', client_id: 'raw-1' })));
    expect(await raw.nextMessage('ack')).toMatchObject({ client_id: 'raw-1' });
    expect(raw.frames.some((f) => f.opcode === Opcode.close)).toBe(false);
    raw.destroy();
  });

  it('answers a binary frame and a non-JSON text frame with an error frame and keeps a real ws client open', async () => {
    const client = await connectClient(server, alice.cookie);
    client.ws.send(Buffer.from('{"type":"sync","since":0}'), { binary: true });
    expect(await client.next('error')).toMatchObject({ code: 'bad_request' });
    client.send('{"type": "private", "to": ');
    expect(await client.next('error')).toMatchObject({ code: 'bad_request' });
    client.send({ type: 'private', to: alice.id, content: 'still open', client_id: 'ws-1' });
    expect(await client.next('ack')).toMatchObject({ client_id: 'ws-1' });
    expect(client.ws.readyState).toBe(client.ws.OPEN);
    client.ws.terminate();
  });

  it('survives frames sent before the 101 arrives, and a peer that vanishes mid-frame', async () => {
    const early = await rawUpgrade(server.url, { cookie: alice.cookie, head: textFrame('{"type":"sync","since":0}') });
    expect(early.status).toBe(101);
    await early.nextMessage('synced');
    early.destroy();

    const raw = await open();
    raw.write(buildFrame({ opcode: Opcode.text, claimedLength: 1000, payload: Buffer.alloc(10, 0x20) }).subarray(0, 14));
    raw.destroy();
  });

  it('refuses a handshake with a Sec-WebSocket-Version it does not speak (400)', async () => {
    const raw = await rawUpgrade(server.url, { cookie: alice.cookie, headers: [['Sec-WebSocket-Version', '8']] });
    // Two version headers: Node joins them; ws refuses the result.
    expect(raw.status).toBe(400);
    raw.destroy();
  });
});
