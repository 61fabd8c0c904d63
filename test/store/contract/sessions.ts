import type { SessionData, Store } from 'express-session';
import { expect, it } from 'vitest';
import type { ContractContext } from './context.js';

const DAY = 24 * 60 * 60 * 1000;

function sessionData(cookie: Record<string, unknown>, extra: Record<string, unknown> = {}): SessionData {
  return { cookie, ...extra } as unknown as SessionData;
}

/** The callback API of express-session stores, as promises. */
function promised(store: Store) {
  const call = <T>(fn: (cb: (err: unknown, value?: T) => void) => void) =>
    new Promise<T | undefined>((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
  return {
    get: (sid: string) => call<SessionData | null>((cb) => store.get(sid, cb)),
    set: (sid: string, s: SessionData) => call<void>((cb) => store.set(sid, s, cb)),
    destroy: (sid: string) => call<void>((cb) => store.destroy(sid, cb)),
    touch: (sid: string, s: SessionData) => call<void>((cb) => store.touch!(sid, s, cb as () => void)),
    length: () => call<number>((cb) => store.length!(cb)),
    clear: () => call<void>((cb) => store.clear!(cb)),
  };
}

export function sessionContract(ctx: ContractContext): void {
  const store = () => promised(ctx.stores().sessions);
  let n = 0;
  const sid = () => `sid-${Date.now().toString(36)}-${(n += 1)}`;

  it('implements get, set, destroy and touch', () => {
    const s = ctx.stores().sessions;
    for (const method of ['get', 'set', 'destroy', 'touch'] as const) expect(typeof s[method]).toBe('function');
  });

  it('set then get returns the session; an unknown sid is no session', async () => {
    const id = sid();
    const data = sessionData({ originalMaxAge: DAY, expires: new Date(Date.now() + DAY).toISOString(), httpOnly: true, path: '/' }, { userId: 42, tokens: ['a', 'b'] });
    await store().set(id, data);
    expect(await store().get(id)).toEqual(data);
    expect(await store().get(`${id}-unknown`)).toBeFalsy();
  });

  it('an id found missing or destroyed stays no session, until a save brings it back', async () => {
    const id = sid();
    const cookie = { originalMaxAge: DAY, expires: new Date(Date.now() + DAY).toISOString() };
    expect(await store().get(id)).toBeFalsy(); // remembered as gone (GoneSessions)
    await store().set(id, sessionData(cookie, { userId: 3 }));
    expect(await store().get(id)).toMatchObject({ userId: 3 });
    await store().destroy(id);
    expect(await store().get(id)).toBeFalsy();
    expect(await store().get(id)).toBeFalsy();
    await store().set(id, sessionData(cookie, { userId: 4 }));
    expect(await store().get(id)).toMatchObject({ userId: 4 });
  });

  it('set replaces the session', async () => {
    const id = sid();
    const cookie = { originalMaxAge: DAY, expires: new Date(Date.now() + DAY).toISOString() };
    await store().set(id, sessionData(cookie, { userId: 1 }));
    await store().set(id, sessionData(cookie, { userId: 2 }));
    expect(await store().get(id)).toMatchObject({ userId: 2 });
  });

  it('a cookie that expired is no session; one without an expiry lives on', async () => {
    const expired = sid();
    const noExpiry = sid();
    const byMaxAge = sid();
    await store().set(expired, sessionData({ originalMaxAge: 1000, expires: new Date(Date.now() - 1000).toISOString() }));
    await store().set(noExpiry, sessionData({ originalMaxAge: null, expires: null }, { userId: 1 }));
    await store().set(byMaxAge, sessionData({ maxAge: DAY }, { userId: 2 }));
    expect(await store().get(expired)).toBeFalsy();
    expect(await store().get(noExpiry)).toMatchObject({ userId: 1 });
    expect(await store().get(byMaxAge)).toMatchObject({ userId: 2 });
  });

  it('touch moves the expiry', async () => {
    const id = sid();
    const past = sessionData({ originalMaxAge: 1000, expires: new Date(Date.now() - 1000).toISOString() }, { userId: 3 });
    await store().set(id, past);
    expect(await store().get(id)).toBeFalsy();
    await store().touch(id, sessionData({ originalMaxAge: DAY, expires: new Date(Date.now() + DAY).toISOString() }, { userId: 3 }));
    expect(await store().get(id)).toMatchObject({ userId: 3 });
  });

  it('destroy removes the session', async () => {
    const id = sid();
    await store().set(id, sessionData({ maxAge: DAY }));
    await store().destroy(id);
    expect(await store().get(id)).toBeFalsy();
    await store().destroy(id);
  });

  it('length counts live sessions and clear removes them all (when implemented)', async () => {
    const s = ctx.stores().sessions;
    if (!s.length || !s.clear) return;
    await store().clear();
    expect(await store().length()).toBe(0);
    await store().set(sid(), sessionData({ maxAge: DAY }));
    await store().set(sid(), sessionData({ maxAge: DAY }));
    await store().set(sid(), sessionData({ originalMaxAge: 1, expires: new Date(Date.now() - 1000).toISOString() }));
    expect(await store().length()).toBe(2);
    await store().clear();
    expect(await store().length()).toBe(0);
  });

  it('liveSessionIds answers, in one call, which of many ids get would find (the session re-check)', async () => {
    const [live, expired, destroyed] = [sid(), sid(), sid()];
    await store().set(live, sessionData({ maxAge: DAY }, { userId: 1 }));
    await store().set(expired, sessionData({ originalMaxAge: 1, expires: new Date(Date.now() - 1000).toISOString() }));
    await store().set(destroyed, sessionData({ maxAge: DAY }));
    await store().destroy(destroyed);
    // Far more ids than a statement may carry as separate parameters (SQLite: 32766).
    const unknown = Array.from({ length: 40_000 }, (_, i) => `${live}-unknown-${i}`);
    const found = await ctx.stores().sessions.liveSessionIds([expired, ...unknown, live, destroyed, "it's; --"]);
    expect(found).toEqual([live]);
    expect(await ctx.stores().sessions.liveSessionIds([])).toEqual([]);
  });

  it("destroyUserSessions deletes every session of one user, live or expired, but the one it keeps; other users' stay", async () => {
    const [a1, a2, expired, kept, other, anonymous] = [sid(), sid(), sid(), sid(), sid(), sid()];
    const live = { maxAge: DAY };
    const userId = 7_000 + Math.floor(Math.random() * 1_000_000);
    for (const id of [a1, a2, kept]) await store().set(id, sessionData(live, { userId, username: 'a' }));
    await store().set(expired, sessionData({ originalMaxAge: 1, expires: new Date(Date.now() - 1000).toISOString() }, { userId }));
    await store().set(other, sessionData(live, { userId: userId + 1 }));
    await store().set(anonymous, sessionData(live));

    const deleted = await ctx.stores().sessions.destroyUserSessions(userId, kept);
    expect(deleted.sort()).toEqual([a1, a2, expired].sort());
    for (const id of [a1, a2, expired]) expect(await store().get(id)).toBeFalsy();
    for (const id of [kept, other, anonymous]) expect(await store().get(id)).toBeTruthy();
    expect(await ctx.stores().sessions.liveSessionIds([a1, a2, kept])).toEqual([kept]);

    // A request of a deleted session still under way ends with express-session's touch: it does not bring it back.
    await store().touch(a1, sessionData(live, { userId, username: 'a' }));
    expect(await store().get(a1)).toBeFalsy();
    expect(await ctx.stores().sessions.liveSessionIds([a1])).toEqual([]);

    // Without a session to keep, all of them; again, none.
    expect(await ctx.stores().sessions.destroyUserSessions(userId)).toEqual([kept]);
    expect(await ctx.stores().sessions.destroyUserSessions(userId)).toEqual([]);
    expect(await store().get(other)).toBeTruthy();
  });

  it('destroyUserSessions reads userId as PostgreSQL\'s ->> does: digits as a string are the user, other ids and shapes are not', async () => {
    const live = { maxAge: DAY };
    // User 1: the id SQLite's json_extract gives for `true`. Earlier tests' sessions of user 1 may go too; only these are asserted.
    const userId = 1;
    const rows: Record<string, Record<string, unknown>> = {
      number: { userId },
      digits: { userId: '1' }, // what asUserId reads as user 1 (a host's store may keep ids as text)
      longerId: { userId: 11 }, // its digits begin with this id's
      longestId: { userId: 111 },
      boolean: { userId: true },
      nested: { other: { userId } },
      kept: { userId },
    };
    const sids = Object.fromEntries(Object.keys(rows).map((name) => [name, sid()]));
    for (const [name, data] of Object.entries(rows)) await store().set(sids[name]!, sessionData(live, data));
    const deleted = await ctx.stores().sessions.destroyUserSessions(userId, sids.kept);
    const names = Object.keys(sids).filter((name) => deleted.includes(sids[name]!));
    expect(names.sort()).toEqual(['digits', 'number']);
    // Not left behind by this test: the rows of other shapes go by their sid.
    for (const id of Object.values(sids)) await store().destroy(id);
  });

  it('calls back asynchronously, never inside the call', async () => {
    const s = ctx.stores().sessions;
    let inside = true;
    const calledInside = await new Promise<boolean>((resolve) => {
      s.get('whatever', () => resolve(inside));
      inside = false;
    });
    expect(calledInside).toBe(false);
  });
}
