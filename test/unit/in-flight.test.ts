import { describe, expect, it } from 'vitest';
import { ParlorError } from '../../src/errors.js';
import { InFlight } from '../../src/websocket/in-flight.js';
import { captureLogger } from '../support/server.js';

describe('InFlight: background work that fails', () => {
  it("logs a client's mistake at debug without a stack, and a server failure at error", async () => {
    const { logger, lines } = captureLogger('debug');
    const inFlight = new InFlight(logger);
    for (const err of [new ParlorError('not_found', 'no such user'), new ParlorError('forbidden', 'not a member'), new Error('disk full')]) {
      await inFlight.track(Promise.reject(err)).catch(() => undefined);
    }
    await inFlight.drain();
    expect(lines.map((l) => [l.level, l.msg, l.code ?? l.err?.message])).toEqual([
      [20, 'background work refused', 'not_found'],
      [20, 'background work refused', 'forbidden'],
      [50, 'background work failed', 'disk full'],
    ]);
    expect(JSON.stringify(lines.slice(0, 2))).not.toContain('stack');
  });
});
