/**
 * Contract section 4, "errors the host can read": a failing userDirectory / groupMemberFetcher answers 503
 * `unavailable`, the log naming the interface, also when its method answers with a thenable that is no native
 * Promise (a query builder such as knex's, a Bluebird promise): guardInterface used to wrap only `instanceof Promise`.
 */
import { describe, expect, it } from 'vitest';
import { useSqliteHostApp } from '../support/host-app.js';

/** A rejected thenable that is not a native Promise (what knex query builders and Bluebird return). */
const rejectedThenable = <T>(err: Error): PromiseLike<T> => ({ then: (_ok, fail) => Promise.reject(err).then(undefined, fail) as never });

describe('a host interface that answers with a non-native thenable', () => {
  const app = useSqliteHostApp({
    userDirectory: { existing: () => rejectedThenable<number[]>(new Error('host user database unreachable')) as never },
    groupMemberFetcher: { acceptedMembers: () => rejectedThenable<number[] | null>(new Error('host group service unreachable')) as never },
  });

  it('a failing userDirectory answers 503 unavailable', async () => {
    const res = await app.host.http.post('/api/messages/private').set(app.host.as(1)).send({ to: 2, content: 'hi' });
    expect({ status: res.status, error: res.body.error }).toEqual({ status: 503, error: 'unavailable' });
  });

  it('a failing groupMemberFetcher answers 503 unavailable', async () => {
    const res = await app.host.http.post('/api/messages/group').set(app.host.as(1)).send({ group_id: 7, content: 'hi' });
    expect({ status: res.status, error: res.body.error }).toEqual({ status: 503, error: 'unavailable' });
  });
});
