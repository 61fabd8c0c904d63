/**
 * Mutant (src/http/auth-routes.ts rehashOutdated): the `hashedWithOtherParams` check dropped
 * survived test/integration/password-rehash.test.ts, which only logs in to accounts hashed at
 * another cost. With the mutant every successful login hashes the password again and writes the
 * account: a second scrypt per login (twice the CPU an attacker with one valid password can make
 * the server spend) and a users-table write each time. The rule (docs/contract.md): only a hash
 * made with other parameters than the current ones is rehashed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { closeAll, startTestServer } from '../support/server.js';

const password = 'correct horse battery';

describe('a login to an account hashed at the current PASSWORD_HASH_COST', () => {
  afterAll(closeAll);

  it('leaves its stored hash as it is', async () => {
    const server = await startTestServer({ PASSWORD_HASH_COST: '10' });
    await server.http.post('/api/auth/register').send({ username: 'current_cost', password }).expect(201);
    const hashOf = async () => (await server.stores.users.findByUsername('current_cost'))!.passwordHash;
    const before = await hashOf();
    await server.http.post('/api/auth/login').send({ username: 'current_cost', password }).expect(200);
    await server.http.post('/api/auth/login').send({ username: 'current_cost', password }).expect(200);
    expect(await hashOf()).toBe(before);
  });
});
