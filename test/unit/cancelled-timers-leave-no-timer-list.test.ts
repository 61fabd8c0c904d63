/**
 * Rule (src/cancel-timer.ts): an unref'd timer Parlor clears before it fires
 * leaves nothing in Node's timers. Node keeps one timer list per duration and
 * deletes an emptied list on clearTimeout only for a ref'd timer
 * (lib/internal/timers.js, `unenroll`); an unref'd one's empty list stays in
 * the list map and the priority queue until the timer's original expiry.
 *
 * What used to happen: every closed bearer-token socket left the empty list
 * of its credential deadline (a duration of its own, `exp - now`) until its
 * token's expiry: 1,000 token sockets opened and closed kept 1,015 lists, and
 * a server with 50 reconnects a second on 15-minute tokens kept ~45,000.
 *
 * Counted: the live TimersList objects (test/support/live-objects.ts), before
 * and after 300 timers of distinct durations are armed and cleared. A leak
 * adds one per timer; the margin allows a few lists of whatever else runs in
 * the worker.
 */
import { describe, expect, it } from 'vitest';
import { withDeadline } from '../../src/deadline.js';
import { BrokerGapResync } from '../../src/websocket/broker-gap.js';
import type { Connection } from '../../src/websocket/connection.js';
import type { ConnectionRegistry } from '../../src/websocket/connection-registry.js';
import { CredentialDeadlines } from '../../src/websocket/credential-deadlines.js';
import { liveTimerLists } from '../support/live-objects.js';

const TIMERS = 300;
const MARGIN = 10;

/** Stand-ins for connections: the classes under test only key maps by them, or close them. */
const connections = (n: number) => Array.from({ length: n }, () => ({ close: () => {} }) as unknown as Connection);

describe('timers cleared before they fire leave no timer list', () => {
  it('credential deadlines: set, moved by a refresh, cleared (one socket) and cleared all (close)', async () => {
    const now = Date.now();
    const deadlines = new CredentialDeadlines(() => now, () => {});
    const before = await liveTimerLists();
    const conns = connections(TIMERS);
    // Tokens of distinct exp, as sockets opened at distinct moments have: each deadline a duration of its own.
    conns.forEach((conn, i) => deadlines.set(conn, now + 15 * 60_000 + i * 17));
    conns.forEach((conn, i) => deadlines.set(conn, now + 30 * 60_000 + i * 17)); // a refresh moves each one
    for (const conn of conns.slice(0, TIMERS / 2)) deadlines.clear(conn); // sockets closed one by one
    deadlines.clearAll(); // the rest at shutdown
    expect(deadlines.size).toBe(0);
    expect((await liveTimerLists()) - before).toBeLessThan(MARGIN);
  });

  it('withDeadline: answers that came before their deadline', async () => {
    const before = await liveTimerLists();
    // The caller picks the deadline; durations of their own here, as a caller passing what is left of a budget would.
    await Promise.all(Array.from({ length: TIMERS }, (_, i) => withDeadline(Promise.resolve(i), 60_000 + i * 13, () => new Error('late'))));
    expect((await liveTimerLists()) - before).toBeLessThan(MARGIN);
  });

  it('broker-gap resyncs stopped by shutdown (each at a random moment of the window)', async () => {
    const conns = connections(TIMERS);
    const gap = new BrokerGapResync({ all: () => conns } as unknown as ConnectionRegistry);
    const before = await liveTimerLists();
    gap.closeAll(3_600_000);
    gap.stop();
    expect((await liveTimerLists()) - before).toBeLessThan(MARGIN);
  });
});
