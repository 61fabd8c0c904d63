/**
 * The store each session's upgrade came from, kept for the session re-check
 * (src/session/recorded-stores.ts). One `expressSessionResolver` may serve
 * several Parlor mounts, each asking only about its own sessions.
 *
 * It used to be that every re-check forgot the sessions it was not asked
 * about, so one mount's re-check dropped another mount's sessions (which were
 * then counted live for ever), and that nothing was forgotten while no
 * re-check ran. Now an entry is forgotten only once nobody has asked about it
 * for an hour (or three times the slowest re-check seen), re-check or not.
 */
import type { Store } from 'express-session';
import { expect, it } from 'vitest';
import { KEEP_STORE_FLOOR_MS, RecordedStores } from '../../src/session/recorded-stores.js';

const store = {} as Store;

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

it("a re-check that does not ask about a session keeps its store for the mount that does", () => {
  const c = clock();
  const stores = new RecordedStores(c.now);
  stores.record('of-a', store);
  stores.record('of-b', store);
  for (let i = 0; i < 100; i++) {
    c.advance(1000);
    expect([...stores.ask(['of-a']).keys()]).toEqual(['of-a']); // mount A, every second
  }
  expect(stores.ask(['of-b']).get('of-b')).toBe(store); // mount B, much later
});

it('forgets a session nobody asked about for the keep time, with no re-check running (bounded)', () => {
  const c = clock();
  const stores = new RecordedStores(c.now);
  for (let i = 0; i < 1000; i++) stores.record(`gone-${i}`, store);
  c.advance(KEEP_STORE_FLOOR_MS + 1);
  stores.record('new', store); // an upgrade, no re-check
  expect(stores.size).toBe(1);
});

it('keeps a session longer than an hour once a slower re-check was seen (three times its gap)', () => {
  const c = clock();
  const stores = new RecordedStores(c.now);
  stores.record('slow', store);
  c.advance(50 * 60_000);
  stores.ask(['slow']); // a mount whose re-check came 50 minutes after the upgrade
  c.advance(2 * 60 * 60_000); // two hours unasked: past the floor, within three gaps
  stores.ask(['of-another-mount']);
  expect(stores.ask(['slow']).get('slow')).toBe(store);
});
