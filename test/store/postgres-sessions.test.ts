/**
 * The PostgreSQL store closing with writes still queued, and sessions in the
 * schema's connect-pg-simple table. Every test works in a fresh schema,
 * dropped after.
 */
import type { SessionData } from 'express-session';
import { describe, expect, it } from 'vitest';
import { adminQuery } from '../support/postgres.js';
import { count, useSchemas } from '../support/postgres-stores.js';
import { describeWithPostgres } from '../support/services.js';

await describeWithPostgres('postgres store', (url) => {
  describe('postgres: close and sessions', () => {
    const db = useSchemas(url);

    it('close() commits the writes still queued, then refuses new ones and ends the pool', async () => {
      const schema = db.schema();
      const stores = await db.open({ schema });
      const a = await stores.users.createUser('alice', 'h');
      const pending = [1, 2, 3].map((i) => stores.messages.savePrivate({ from: a.id, to: a.id, content: `m${i}` }));
      const session = new Promise<void>((resolve, reject) =>
        stores.sessions.set('closing', { cookie: { maxAge: 60_000 } } as unknown as SessionData, (err) => (err ? reject(err) : resolve())),
      );
      expect(stores.messageQueue.size).toBe(3);
      await stores.close();
      expect((await Promise.all(pending)).map((s) => s.duplicate)).toEqual([false, false, false]);
      await session;
      expect(stores.db.pool.totalCount).toBe(0);
      await expect(stores.messages.savePrivate({ from: a.id, to: a.id, content: 'late' })).rejects.toThrow(/closed/);
      await expect(stores.ping()).rejects.toThrow(/closed/);
      await stores.close();

      const again = await db.open({ schema });
      expect((await again.messages.privateHistory(a.id, a.id, { limit: 10 })).items.map((m) => m.content)).toEqual(['m3', 'm2', 'm1']);
      expect(await count(again, `session WHERE sid = 'closing'`)).toBe(1);
    });

    it("a session that ended is read once: an old cookie's later lookups cost no query (GoneSessions)", async () => {
      const stores = await db.open({ schema: db.schema() });
      const get = (sid: string) =>
        new Promise<unknown>((resolve, reject) => stores.sessions.get(sid, (err, sess) => (err ? reject(err) : resolve(sess))));
      const query = stores.db.query.bind(stores.db);
      let sessionReads = 0;
      stores.db.query = ((...args: Parameters<typeof query>) => {
        if (typeof args[0] === 'string' && /^\s*SELECT\s+sess\s+FROM/i.test(args[0])) sessionReads++;
        return query(...args);
      }) as typeof query;
      await new Promise<void>((resolve, reject) =>
        stores.sessions.set('ended', { cookie: { maxAge: 60_000 } } as unknown as SessionData, (err) => (err ? reject(err) : resolve())),
      );
      await new Promise<void>((resolve, reject) => stores.sessions.destroy('ended', (err) => (err ? reject(err) : resolve())));
      for (let i = 0; i < 20; i++) expect(await get('ended')).toBeFalsy();
      for (let i = 0; i < 20; i++) expect(await get('never-saved')).toBeFalsy();
      expect(sessionReads).toBe(1); // 'never-saved' once; 'ended' not at all (destroyed here)
    });

    it('sessions live in the schema\'s connect-pg-simple table; expired rows are pruned', async () => {
      const schema = db.schema();
      const stores = await db.open({ schema });
      const set = (sid: string, cookie: object) =>
        new Promise<void>((resolve, reject) =>
          stores.sessions.set(sid, { cookie, userId: 7 } as unknown as SessionData, (err) => (err ? reject(err) : resolve())),
        );
      await set('live', { maxAge: 60_000 });
      await set('old', { expires: new Date(Date.now() - 5000).toISOString() });
      const rows = await adminQuery<{ sid: string; sess: { userId: number }; expire: Date }>(
        url,
        `SELECT sid, sess, expire FROM ${schema}."session" ORDER BY sid`,
      );
      expect(rows.map((r) => [r.sid, r.sess.userId])).toEqual([
        ['live', 7],
        ['old', 7],
      ]);
      await new Promise<void>((resolve, reject) => stores.sessions.pruneSessions((err) => (err ? reject(err) : resolve())));
      expect((await adminQuery<{ sid: string }>(url, `SELECT sid FROM ${schema}."session"`)).map((r) => r.sid)).toEqual(['live']);
    });
  });
});
