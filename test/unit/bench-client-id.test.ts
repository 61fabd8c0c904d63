/**
 * The load's client ids (bench/scenarios/client-id.mjs): UUIDv7 as Parlor's
 * SDK makes them, for all three servers, without dist/ (docs/benchmarks.md,
 * "Running it": the references are measured when Parlor is not built).
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

type UuidV7 = (now?: number) => string;
const { uuidV7 } = (await import(new URL('../../bench/scenarios/client-id.mjs', import.meta.url).href)) as { uuidV7: UuidV7 };

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

it('makes UUIDv7 ids: version 7, variant 10, the time in milliseconds first', () => {
  const t = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
  const id = uuidV7(t);
  expect(id).toMatch(UUID_V7);
  expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(t);
});

it('never repeats an id, and later ids sort after earlier ones (time-ordered)', () => {
  const ids = Array.from({ length: 2000 }, (_, i) => uuidV7(1_800_000_000_000 + i));
  expect(new Set(ids).size).toBe(ids.length);
  expect([...ids].sort()).toEqual(ids);
  expect(ids.every((id) => UUID_V7.test(id))).toBe(true);
});

it('the load scenarios import nothing from dist/', () => {
  for (const f of ['common.mjs', 'private.mjs', 'group.mjs', 'reads.mjs', 'client-id.mjs']) {
    expect(readFileSync(new URL(`../../bench/scenarios/${f}`, import.meta.url), 'utf8'), f).not.toMatch(/from\s+['"][^'"]*\/dist\//);
  }
});
