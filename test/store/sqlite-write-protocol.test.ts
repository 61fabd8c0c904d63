/** The flat messages between WorkerWriter and the write worker (write-worker-protocol.ts). */
import { describe, expect, it } from 'vitest';
import { ParlorError } from '../../src/errors.js';
import { openDatabase } from '../../src/store/sqlite/database.js';
import {
  committedOutcomes,
  committedReply,
  decodeWrites,
  encodeWrites,
} from '../../src/store/sqlite/write-worker-protocol.js';
import { prepareWrites, WRITE_OPS, type WriteCall } from '../../src/store/sqlite/writes.js';

describe('sqlite: the write worker protocol', () => {
  it('WRITE_OPS lists every operation exactly once (an operation is sent as its index there)', () => {
    const db = openDatabase({ path: ':memory:' });
    try {
      expect(new Set(WRITE_OPS).size).toBe(WRITE_OPS.length);
      expect([...WRITE_OPS].sort()).toEqual(Object.keys(prepareWrites(db)).sort());
    } finally {
      db.close();
    }
  });

  it('a batch of private messages and delivered marks travels as two flat arrays of plain values', () => {
    const calls: WriteCall[] = [];
    for (let i = 0; i < 3; i++) {
      calls.push(['savePrivate', [1, 2, `m${i}`, i === 1 ? null : `c${i}`, 1000 + i]]);
      calls.push(['markDelivered', [10 + i, 2, 2000 + i]]);
    }
    const request = encodeWrites(calls);
    const [save, delivered] = [WRITE_OPS.indexOf('savePrivate'), WRITE_OPS.indexOf('markDelivered')];
    expect(request.ops).toEqual([save, 5, delivered, 3, save, 5, delivered, 3, save, 5, delivered, 3]);
    expect(request.args.every((a) => a === null || typeof a === 'number' || typeof a === 'string')).toBe(true);
    expect(request.args).toHaveLength(3 * (5 + 3));
    expect(decodeWrites(structuredClone(request))).toEqual(calls);
  });

  it('every write comes back as it was made, whatever its number of arguments; objects stay whole', () => {
    const calls: WriteCall[] = [
      ['saveNotification', [1, 'system', 'no data', {}, 5]],
      ['clearSessions', []],
      ['saveNotification', [1, 'group_invite', 'data', { group_id: 3, nested: { deep: [1, 2] } }, 6]],
      ['markRead', [2, 99, 7]],
      ['createUser', ['alice', 'hash', 8]],
    ];
    const decoded = decodeWrites(structuredClone(encodeWrites(calls)));
    expect(decoded).toEqual(calls);
    expect(decoded.map(([, args]) => args.length)).toEqual(calls.map(([, args]) => args.length));
  });

  it('a committed reply carries each value in order, and only the failures name an index', () => {
    const parlor = new ParlorError('bad_request', 'client_id x was already used for a group message');
    const sqlite = Object.assign(new Error('UNIQUE constraint failed'), { code: 'SQLITE_CONSTRAINT' });
    const reply = committedReply([
      { ok: true, value: [41, 1000] },
      { ok: false, error: parlor },
      { ok: true, value: true },
      { ok: false, error: sqlite },
      { ok: true, value: null },
    ]);
    expect(reply).toMatchObject({ type: 'committed', values: [[41, 1000], undefined, true, undefined, null] });
    const outcomes = committedOutcomes(structuredClone(reply) as Extract<typeof reply, { type: 'committed' }>);
    expect(outcomes.map((o) => (o.ok ? o.value : 'failed'))).toEqual([[41, 1000], 'failed', true, 'failed', null]);
    const [, second, , fourth] = outcomes;
    expect(second!.ok ? null : second!.error).toBeInstanceOf(ParlorError);
    expect(second).toMatchObject({ ok: false, error: { code: 'bad_request', message: parlor.message } });
    expect(fourth).toMatchObject({ ok: false, error: { code: 'SQLITE_CONSTRAINT', message: 'UNIQUE constraint failed' } });
    expect(fourth!.ok ? null : fourth!.error).not.toBeInstanceOf(ParlorError);

    const allFine = committedReply([{ ok: true, value: 1 }, { ok: true, value: 2 }]);
    expect(allFine).toEqual({ type: 'committed', values: [1, 2], failures: null });
  });
});
