/**
 * Memory stays bounded under protocol abuse (issue 5, item 6). The server
 * runs in this process, so its `rss` is ours: measure it around ~200 abusive
 * connections. A guard against unbounded buffering, not a benchmark.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Opcode, buildFrame, rawUpgrade, textFrame, type RawWebSocket } from '../support/raw-ws.js';
import { closeAll, expectServing, registerUser, startTestServer, waitFor, type TestServer, type TestUser } from '../support/server.js';

const MB = 1024 * 1024;

describe('memory under abuse', () => {
  let server: TestServer;
  let alice: TestUser;

  beforeAll(async () => {
    // ~230 connections of one user in a few seconds: the per-user connect budget is not what this measures.
    server = await startTestServer({ WS_CONNECT_RATE: '1000', WS_CONNECT_BURST: '1000' });
    alice = await registerUser(server);
  });
  afterAll(closeAll);

  const fragmentFlood = (() => {
    const frames = [textFrame('[', { fin: false })];
    for (let i = 0; i < 2000; i++) frames.push(buildFrame({ opcode: Opcode.continuation, payload: '0,', fin: false }));
    return Buffer.concat(frames);
  })();

  /** One abusive connection of kind `i % 6`; resolves once the socket is gone. */
  async function abuse(i: number): Promise<void> {
    if (i % 6 === 5) {
      const headers: Array<[string, string]> = [['Sec-WebSocket-Protocol', 'p,'.repeat(256 * 1024)]];
      const refused = await rawUpgrade(server.url, { cookie: alice.cookie, headers });
      await refused.closed;
      return;
    }
    const raw: RawWebSocket = await rawUpgrade(server.url, { cookie: alice.cookie });
    if (raw.status !== 101) throw new Error(`upgrade refused with ${raw.status}`);
    switch (i % 6) {
      case 0: // far more fragments than maxFragments
        raw.write(fragmentFlood);
        break;
      case 1: // a 60 KB frame of which only half ever arrives, then the peer vanishes
        raw.write(textFrame(Buffer.alloc(60_000, 0x20)).subarray(0, 30_000));
        await new Promise((r) => setTimeout(r, 5));
        raw.destroy();
        break;
      case 2: // a header claiming 1 GiB
        raw.write(buildFrame({ opcode: Opcode.binary, claimedLength: 1024 * MB }));
        break;
      case 3: // invalid UTF-8 after a few bad JSON frames
        for (let k = 0; k < 20; k++) raw.write(textFrame(`{"type":"private","to":${k}`));
        raw.write(textFrame(Buffer.from([0xc3, 0x28])));
        break;
      case 4: // a fragmented message that grows past MAX_FRAME_BYTES
        raw.write(textFrame(Buffer.alloc(40_000, 0x20), { fin: false }));
        raw.write(buildFrame({ opcode: Opcode.continuation, payload: Buffer.alloc(40_000, 0x20), fin: false }));
        break;
    }
    const timer = setTimeout(() => raw.destroy(), 3000);
    await raw.closed;
    clearTimeout(timer);
  }

  async function round(from: number, count: number, parallel = 20): Promise<void> {
    for (let start = from; start < from + count; start += parallel) {
      await Promise.all(Array.from({ length: Math.min(parallel, from + count - start) }, (_, k) => abuse(start + k)));
    }
  }

  it('grows rss by less than 100 MB over ~200 abusive connections, and closes every one of them', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    await round(0, 24); // warm up: JIT, buffers, SQLite page cache
    gc?.();
    const before = process.memoryUsage().rss;
    await round(24, 204);
    await waitFor(() => server.parlor.manager.connectionCount === 0, 5000, 'every abusive socket closed');
    gc?.();
    const after = process.memoryUsage().rss;
    const growth = (after - before) / MB;
    console.info(`rss before ${(before / MB).toFixed(1)} MB, after ${(after / MB).toFixed(1)} MB, growth ${growth.toFixed(1)} MB`);
    expect(growth).toBeLessThan(100);
    await expectServing(server);
  });
});
