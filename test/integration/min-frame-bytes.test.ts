/**
 * MIN_FRAME_BYTES (src/wire-limits.ts), the least MAX_FRAME_BYTES may be, takes
 * every valid message as any JSON encoder writes it: 4000 emoji escaped as
 * surrogate pairs (`\ud83d\ude00`, 12 bytes each, as Python's json.dumps and
 * PHP's json_encode write them by default). It once counted 6 bytes per
 * character, and such a message closed the socket with 1009 at the minimum.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { MIN_FRAME_BYTES } from '../../src/wire-limits.js';
import { useSqliteHostApp } from '../support/host-app.js';
import { closeAll } from '../support/server.js';

describe('maxFrameBytes at MIN_FRAME_BYTES', () => {
  const ALICE = 1401;
  const BOB = 1402;
  const app = useSqliteHostApp({
    userDirectory: { existing: (ids) => ids.filter((id) => id === ALICE || id === BOB) },
    manager: { maxFrameBytes: MIN_FRAME_BYTES },
  });
  afterAll(closeAll);

  it('takes a valid 4000-character message written with ASCII-only JSON escapes', async () => {
    const alice = await app.host.connect(ALICE);
    // JSON.stringify, then every non-ASCII UTF-16 unit escaped as \uXXXX (Python's json.dumps default).
    const frame = JSON.stringify({ type: 'private', to: BOB, content: '😀'.repeat(4000), client_id: 'e1' }).replace(
      /[\u0080-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
    expect(JSON.parse(frame).content).toBe('😀'.repeat(4000));
    alice.send(frame);
    const result = await Promise.race([
      alice.next('ack', (f) => f.client_id === 'e1', 3000).then(() => 'ack'),
      alice.closed.then((c) => `closed ${c.code}`),
    ]);
    expect({ frameBytes: Buffer.byteLength(frame), minFrameBytes: MIN_FRAME_BYTES, result }).toMatchObject({ result: 'ack' });
  });
});
