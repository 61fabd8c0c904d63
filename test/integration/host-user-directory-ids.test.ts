/**
 * A host whose users table has a `bigint` / `bigserial` id (PostgreSQL) writes
 * the README's UserDirectory verbatim:
 *
 *   existing: async (ids) => (await pool.query('SELECT id FROM users WHERE id = ANY($1)', [ids])).rows.map((r) => r.id),
 *   profiles: async (ids) => (await pool.query('SELECT id, username FROM users WHERE id = ANY($1)', [ids])).rows,
 *
 * `pg` gives bigint columns as strings ('802'). Parlor reads them as numbers,
 * as it does every id a host hands it (src/composition/host-user-ids.ts); an
 * id that is not digits is the directory failing (503, the interface named).
 *
 * It used to compare the directory's answers with `===` to numbers: every user
 * of such a host was `not_found` and had no name.
 */
import { expect, it } from 'vitest';
import type { UserDirectory } from '../../src/websocket/user-directory.js';
import { useSqliteHostApp } from '../support/host-app.js';

const ALICE = 801;
const BOB = 802;
const MANGLED = 803;
const usersTable = new Map([
  [ALICE, 'alice'],
  [BOB, 'bob'],
  [MANGLED, 'mangled'],
]);

/** What `pg` hands back for a bigint id column: the ids as numeric strings (and one row a bug turned into a name). */
const idOf = (id: number) => (id === MANGLED ? 'user-803' : String(id));
const bigintDirectory = {
  existing: async (ids: readonly number[]) => ids.filter((id) => usersTable.has(id)).map(idOf),
  profiles: async (ids: readonly number[]) => ids.filter((id) => usersTable.has(id)).map((id) => ({ id: idOf(id), username: usersTable.get(id)! })),
} as unknown as UserDirectory;

const app = useSqliteHostApp({ userDirectory: bigintDirectory });

it('a private message to a user the directory confirms (id as a pg bigint string) is stored, not not_found', async () => {
  const res = await app.host.http.post('/api/messages/private').set(app.host.as(ALICE)).send({ to: BOB, content: 'hi bob' });
  expect({ status: res.status, error: res.body.error }).toEqual({ status: 201, error: undefined });
});

it('GET /api/users names the users whose profile ids are pg bigint strings, ids as JSON integers', async () => {
  const res = await app.host.http.get(`/api/users?ids=${ALICE},${BOB}`).set(app.host.as(ALICE));
  expect({ status: res.status, body: res.body }).toEqual({
    status: 200,
    body: { users: [{ id: ALICE, username: 'alice' }, { id: BOB, username: 'bob' }] },
  });
});

it('an id that is not digits is refused loudly: 503 naming the directory, not a silent not_found', async () => {
  const res = await app.host.http.post('/api/messages/private').set(app.host.as(ALICE)).send({ to: MANGLED, content: 'hi?' });
  expect({ status: res.status, error: res.body.error }).toEqual({ status: 503, error: 'unavailable' });
});
