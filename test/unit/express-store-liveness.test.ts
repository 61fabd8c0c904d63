/**
 * The host-session re-check's question to an express-session store, against
 * express-session's own MemoryStore: which ids it still holds, how many gets
 * it keeps in flight, and that a failing store ends nothing.
 */
import session from 'express-session';
import { describe, expect, it } from 'vitest';
import { STORE_GETS_IN_FLIGHT, sessionsStillIn } from '../../src/session/express-store-liveness.js';

function put(store: session.Store, id: string, expires = new Date(Date.now() + 60_000)): Promise<void> {
  const data = { cookie: { originalMaxAge: 60_000, expires } } as unknown as session.SessionData;
  return new Promise((ok, fail) => store.set(id, data, (err) => (err ? fail(err) : ok())));
}

/** A MemoryStore that counts the gets running at once and can be told to fail one. */
class CountingStore extends session.MemoryStore {
  running = 0;
  mostAtOnce = 0;
  gets = 0;
  failOn: string | undefined;
  override get(id: string, callback: (err: unknown, session?: session.SessionData | null) => void): void {
    this.gets++;
    this.running++;
    this.mostAtOnce = Math.max(this.mostAtOnce, this.running);
    setTimeout(() => {
      this.running--;
      if (id === this.failOn) callback(new Error('store unreachable'));
      else super.get(id, callback);
    }, 2);
  }
}

describe('sessionsStillIn', () => {
  it('answers the ids the store still holds: not the destroyed, not the expired, not the unknown', async () => {
    const store = new session.MemoryStore();
    await put(store, 'kept');
    await put(store, 'destroyed');
    await put(store, 'expired', new Date(Date.now() - 1000));
    await new Promise<void>((ok) => store.destroy('destroyed', () => ok()));
    expect(await sessionsStillIn(store, ['kept', 'destroyed', 'expired', 'never-existed'])).toEqual(['kept']);
  });

  it(`keeps at most ${STORE_GETS_IN_FLIGHT} gets in flight and asks each id once`, async () => {
    const store = new CountingStore();
    const ids = Array.from({ length: 50 }, (_, i) => `s${i}`);
    for (const id of ids.filter((_, i) => i % 2 === 0)) await put(store, id);
    const live = await sessionsStillIn(store, ids);
    expect(live.sort()).toEqual(ids.filter((_, i) => i % 2 === 0).sort());
    expect(store.gets).toBe(50);
    expect(store.mostAtOnce).toBe(STORE_GETS_IN_FLIGHT);
  });

  it('rejects when a get fails, and stops asking: an outage is not a logout', async () => {
    const store = new CountingStore();
    const ids = Array.from({ length: 50 }, (_, i) => `s${i}`);
    store.failOn = 's3';
    await expect(sessionsStillIn(store, ids)).rejects.toThrow('store unreachable');
    await new Promise((ok) => setTimeout(ok, 20));
    expect(store.gets).toBeLessThan(ids.length);
  });

  it('rejects when a get never answers, within its time limit: a hung store holds up no re-check', async () => {
    const store = new session.MemoryStore();
    store.get = () => {}; // never calls back
    const started = Date.now();
    await expect(sessionsStillIn(store, ['a', 'b'], { timeoutMs: 50 })).rejects.toThrow('unanswered after 50 ms');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('answers only the held sessions that stillSignedIn accepts, handing it what the store holds', async () => {
    const store = new session.MemoryStore();
    await put(store, 'accepted');
    await put(store, 'refused');
    const seen: string[] = [];
    const stillSignedIn = (id: string, data: session.SessionData) => {
      seen.push(`${id}:${typeof data.cookie}`);
      return id === 'accepted';
    };
    expect(await sessionsStillIn(store, ['accepted', 'refused', 'never-existed'], { stillSignedIn })).toEqual(['accepted']);
    expect(seen.sort()).toEqual(['accepted:object', 'refused:object']);
  });

  it('asks nothing for no ids', async () => {
    const store = new CountingStore();
    expect(await sessionsStillIn(store, [])).toEqual([]);
    expect(store.gets).toBe(0);
  });
});
