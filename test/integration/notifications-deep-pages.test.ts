/**
 * Notifications older than offset 1000 are reached with the cursor the 400 names.
 * docs/contract.md: "`offset` above 1000 | a 400 `bad_request` whose message points to
 * `before=<oldest id>`". GET /api/notifications answers that 400; its route once dropped
 * `before`, so the advised cursor returned the newest page again and the user's older
 * notifications were unreachable.
 */
import { expect, it } from 'vitest';
import { registerUser } from '../support/server.js';
import { describeOnEveryStore } from '../support/every-store.js';

await describeOnEveryStore('GET /api/notifications deep pages', (on) => {
  it('the cursor the offset 400 points to (before=<oldest id>) pages further back', async () => {
    const user = await registerUser(on.server);
    const ids: number[] = [];
    for (let i = 0; i < 1105; i += 100) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(100, 1105 - i) }, (_, k) => on.server.stores.messages.saveNotification(user.id, 'test', `n${i + k}`, {})),
      );
      ids.push(...batch.map((n) => n.id));
    }
    ids.sort((a, b) => a - b);
    const get = (q: string) => on.server.http.get(`/api/notifications?${q}`).set('cookie', user.cookie);

    const deep = await get('offset=1001').expect(400);
    expect(deep.body.message).toMatch(/before=/);

    // The last page offset allows: ranks 1001..1100 (newest first).
    const last = await get('offset=1000&limit=100').expect(200);
    const oldestShown = last.body.notifications.at(-1).id as number;
    expect(oldestShown).toBe(ids[5]);
    expect(last.body.has_more).toBe(true);

    // As the 400 advises: before=<oldest id>. Contract: "`before=ID` returns only ids strictly smaller".
    const further = await get(`before=${oldestShown}`).expect(200);
    expect(further.body.notifications.map((n: { id: number }) => n.id)).toEqual(ids.slice(0, 5).reverse());
    // Contract section 2: "has_more is true only when older rows remain"; limit=0 says whether there is any.
    expect(further.body.has_more).toBe(false);
    expect((await get(`before=${oldestShown}&limit=0`).expect(200)).body).toMatchObject({ notifications: [], has_more: true });
    expect((await get(`before=${ids[0]}&limit=0`).expect(200)).body).toMatchObject({ notifications: [], has_more: false });
  });
});
