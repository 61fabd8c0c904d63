/**
 * Rule (docs/contract.md, password rule): a password must be valid Unicode
 * text. scrypt hashes the password's UTF-8 form, where every lone UTF-16
 * surrogate becomes U+FFFD, so `abcdefgh\ud800`, `abcdefgh\udc00` and
 * `abcdefgh\ufffd` used to be one password. Such text cannot be typed, but a
 * JSON `"\ud800"` escape reaches the route.
 *
 * Register, login and POST /api/auth/token by password refuse it with a 400
 * naming the rule (one schema, `Credentials`), before any lookup or hashing:
 * the answer depends on the text alone and tells nothing about the account.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { closeAll, startTestServer } from '../support/server.js';

const RULE = 'password: must be valid Unicode text (no lone surrogates)';

describe('a password with a lone surrogate', () => {
  afterAll(closeAll);

  it('is a 400 naming the rule on register, login and token; a surrogate pair is text like any other', async () => {
    const server = await startTestServer();
    for (const password of ['abcdefgh\ud800', 'abcdefgh\udc00', '\udbffabcdefgh', 'abcd\udc00\ud800efgh']) {
      for (const route of ['register', 'login', 'token']) {
        const res = await server.http.post(`/api/auth/${route}`).send({ username: 'surrogate_pw', password });
        expect(res.status, `${route} ${JSON.stringify(password)}`).toBe(400);
        expect(res.body).toEqual({ error: 'bad_request', message: RULE });
      }
    }
    expect(await server.stores.users.findByUsername('surrogate_pw')).toBeNull();

    // An emoji is a well-formed surrogate pair: it registers, and only that password logs in.
    await server.http.post('/api/auth/register').send({ username: 'emoji_pw', password: 'abcdefgh\ud83d\ude00' }).expect(201);
    await server.http.post('/api/auth/login').send({ username: 'emoji_pw', password: 'abcdefgh\ud83d\ude00' }).expect(200);
    await server.http.post('/api/auth/login').send({ username: 'emoji_pw', password: 'abcdefgh\ufffd' }).expect(401);
  });
});
