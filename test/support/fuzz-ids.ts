/**
 * What both fuzzers (HTTP bodies and paths, WebSocket frames) put where an id
 * belongs: mostly ids that exist (`known`), then every near-miss a parser
 * might accept by mistake (numeric strings, floats, huge, negative, -0, wrong
 * types). One definition, so the two suites probe ids the same way.
 */
import fc from 'fast-check';

export function idArbitraries(known: () => fc.Arbitrary<number>) {
  const numericString = () =>
    fc.oneof(
      known().map(String),
      fc.constantFrom('01', ' 1', '1 ', '1e3', '0x1', '\uff11', '1.0', '9999999999999999', '-1', '0', '+1', '', 'NaN', 'Infinity'),
      fc.nat().map(String),
      fc.bigInt({ min: 0n, max: 10n ** 25n }).map(String),
    );
  const idLike = () =>
    fc.oneof(
      { weight: 6, arbitrary: known() },
      { weight: 2, arbitrary: fc.integer({ min: -5, max: 1_000_000 }) },
      fc.constantFrom(0, -1, 1.5, 2 ** 53, 2 ** 53 - 1, 2 ** 53 + 2, 1e308, 1e-7, -0),
      fc.double(),
      { weight: 2, arbitrary: numericString() },
      fc.string({ maxLength: 8 }),
      fc.constantFrom(null, true, false),
      fc.array(fc.integer(), { maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }),
    );
  return { numericString, idLike };
}
