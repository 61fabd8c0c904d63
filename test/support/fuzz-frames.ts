/**
 * What the WebSocket fuzz tests (test/integration/fuzz-ws-*.test.ts) share:
 * the protocol's limits, the contract's validity rules, and fast-check
 * arbitraries for random, plausible and malformed frames.
 */
import fc from 'fast-check';
import { idArbitraries } from './fuzz-ids.js';
import { FrameErrorCode } from '../../src/errors.js';

export const MAX_FRAME_BYTES = 65536;
export const MAX_CONTENT = 4000;
export const TERMINAL = new Set(['error', 'ack', 'synced']);
/** Every frame type alice may legitimately receive while fuzzing (no admin: no broadcast). */
export const ALLOWED_TO_RECEIVE = new Set(['welcome', 'error', 'ack', 'synced', 'private', 'group', 'typing', 'receipt', 'presence']);
export const FRAME_ERROR_CODES = new Set(Object.keys(FrameErrorCode).filter((c) => c !== 'internal'));

export type Json = Record<string, unknown>;

/** Text with an unpaired surrogate has no UTF-8 form; the server must refuse it rather than store something else. */
export const hasLoneSurrogate = (s: string) => /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

export function parseObject(text: string): Json | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
  } catch {
    return undefined;
  }
}

/** `typing` and `read` are the only frames that may succeed without a reply to the sender. */
export const mayBeSilent = (text: string) => ['typing', 'read'].includes(parseObject(text)?.type as string);

export const isValidContent = (c: unknown) =>
  typeof c === 'string' && c.trim().length >= 1 && [...c.trim()].length <= MAX_CONTENT && !hasLoneSurrogate(c); // characters are code points
export const isValidClientId = (c: unknown) => c === undefined || (typeof c === 'string' && c.length >= 1 && c.length <= 64);

/** The ids the arbitraries aim at; read when frames are generated, so they may be set in a beforeAll. */
export interface FuzzTargets {
  alice: number;
  bob: number;
  carol: number;
  g1: number;
  g2: number;
  g3: number;
  bobToAlice: number;
  inG1: number;
}

export function frameArbitraries(t: () => FuzzTargets) {
  const known = () => fc.constantFrom(t().alice, t().bob, t().carol, t().g1, t().g2, t().g3, t().bobToAlice, t().inG1);
  const { idLike } = idArbitraries(known);
  const loneSurrogates = fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 5 });
  const content = fc.oneof(
    { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.tuple(fc.string({ maxLength: 5 }), loneSurrogates, fc.string({ maxLength: 5 })).map((parts) => parts.join('')),
    fc.constantFrom('', ' ', '\t\n ', '\u00a0', '\ufeff', '\u2028', '\u0000', 'null', '{}', '<script>alert(1)</script>', "'; DROP TABLE messages; --"),
    fc.tuple(fc.integer({ min: MAX_CONTENT - 3, max: MAX_CONTENT + 3 }), fc.constantFrom('x', '\u00e9', '\u{1f600}', ' ')).map(([n, c]) => c.repeat(n)),
    fc.integer({ min: MAX_CONTENT - 2, max: MAX_CONTENT + 2 }).map((n) => ` ${'z'.repeat(n)} `),
    fc.constant('y'.repeat(20_000)),
    fc.integer(),
    fc.constant(null),
    fc.jsonValue({ maxDepth: 2 }),
  );
  const clientId = fc.oneof(
    fc.uuid(),
    fc.string({ maxLength: 70 }),
    fc.constantFrom('c'.repeat(64), 'c'.repeat(65), ''),
    fc.integer(),
    fc.constant(null),
  );
  const frameType = () =>
    fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom('private', 'group', 'broadcast', 'typing', 'read', 'sync') },
    fc.constantFrom('PRIVATE', 'ack', 'error', 'welcome', '', 'private ', 'toString', '__proto__', 'constructor'),
    fc.string({ maxLength: 6 }),
    idLike(),
  );
  /** An object with a plausible `type` and random field values. */
  const typedFrame = () =>
    fc
      .record(
        {
          type: frameType(),
          to: idLike(),
          group_id: idLike(),
          content,
          client_id: clientId,
          is_typing: fc.oneof(fc.boolean(), fc.jsonValue({ maxDepth: 1 })),
          message_id: idLike(),
          since: idLike(),
          extra: fc.jsonValue({ maxDepth: 2 }),
        },
        { requiredKeys: ['type'] },
      )
      .map((f) => JSON.stringify(f));
  /** Frames that should mostly pass validation, so acks and stored rows get exercised. */
  const likelyContent = fc.oneof(
    { weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 40 }).filter((c) => c.trim().length > 0) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).filter((c) => c.trim().length > 0) },
    { weight: 2, arbitrary: content },
  );
  const likelyClientId = fc.option(fc.oneof({ weight: 3, arbitrary: fc.uuid() }, clientId), { nil: undefined });
  const plausibleFrame = () =>
    fc.oneof(
      { weight: 3, arbitrary: fc.record({ type: fc.constant('private'), to: fc.constantFrom(t().alice, t().bob, t().carol), content: likelyContent, client_id: likelyClientId }) },
      { weight: 2, arbitrary: fc.record({ type: fc.constant('group'), group_id: fc.oneof(known(), known().map(String)), content: likelyContent, client_id: likelyClientId }) },
      fc.record({ type: fc.constant('typing'), to: fc.option(idLike(), { nil: undefined }), group_id: fc.option(idLike(), { nil: undefined }), is_typing: fc.option(fc.boolean(), { nil: undefined }) }),
      fc.record({ type: fc.constant('read'), message_id: idLike(), group_id: fc.option(idLike(), { nil: undefined }) }),
      fc.record({ type: fc.constant('sync'), since: fc.oneof(fc.constantFrom(0, 2 ** 53 - 1), idLike()) }),
    ).map((f) => JSON.stringify(f));
  const rawText = () =>
    fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'),
      fc.constantFrom(
        '', ' ', 'null', 'true', '0', '123', '"private"', '[]', '{}', '{"type":null}', '{"type":"private"', '{"type":"private"}}',
        '{"__proto__":{"type":"private"},"type":"sync","since":0}', '{"type":"sync","since":0,"type":"private"}',
        '{"constructor":{"prototype":{"polluted":true}},"type":"sync","since":0}', '1e400', '{"type":"sync","since":1e400}',
        '\ufeff{"type":"sync","since":0}', '{"type":"sync","since":"0"}', '{"type":"private","to":1,"content":"\\ud800"}',
      ),
      fc.integer({ min: 100, max: 30_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
      fc.integer({ min: 100, max: 10_000 }).map((n) => `{"type":"sync","since":${'['.repeat(n)}${']'.repeat(n)}}`),
      fc.integer({ min: 100, max: 5_000 }).map((n) => `{"type":"private","to":${t().alice},"content":"x","extra":${'{"a":'.repeat(n)}1${'}'.repeat(n)}}`),
      typedFrame().map((f) => `${f} trailing`),
    );
  const anyFrame = () =>
    fc.oneof({ weight: 3, arbitrary: typedFrame() }, { weight: 3, arbitrary: plausibleFrame() }, { weight: 2, arbitrary: rawText() });

  return { known, idLike, content, clientId, typedFrame, plausibleFrame, rawText, anyFrame };
}
