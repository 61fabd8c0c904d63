/**
 * A password's length is counted in characters (code points), as the 400
 * says and a person counts: an emoji is one character, though two UTF-16
 * units (src/wire-limits.ts, PASSWORD_LENGTH). Register and a new password
 * count characters both ways; a password checked against an account (login,
 * a token by password, the current password of a change) keeps the floor of
 * eight UTF-16 units that register used before, so an account made then with
 * a four-emoji password still signs in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, scryptParams } from '../../src/http/password.js';
import { PASSWORD_LENGTH } from '../../src/wire-limits.js';
import { closeAll, cookieOf, startTestServer, type TestServer } from '../support/server.js';

const RULE = { error: 'bad_request', message: 'password: must be 8 to 1024 characters' };
const emoji = (n: number) => '😀'.repeat(n);

describe('password length in characters', () => {
  let server: TestServer;
  let n = 0;
  const name = () => `len_${process.pid}_${++n}`;
  const register = (password: string, username = name()) => server.http.post('/api/auth/register').send({ username, password });

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(closeAll);

  it('eight emoji are eight characters: register takes them, and they sign in; four emoji (eight UTF-16 units) are too short', async () => {
    const username = name();
    await register(emoji(8), username).expect(201);
    await server.http.post('/api/auth/login').send({ username, password: emoji(8) }).expect(200);
    expect((await register(emoji(4)).expect(400)).body).toEqual(RULE);
    expect((await register(emoji(7)).expect(400)).body).toEqual(RULE);
  });

  it('the upper bound counts characters: 1024 emoji (2048 units) register, 1025 do not', async () => {
    expect(PASSWORD_LENGTH.max).toBe(1024);
    const username = name();
    await register(emoji(1024), username).expect(201);
    await server.http.post('/api/auth/login').send({ username, password: emoji(1024) }).expect(200);
    expect((await register(emoji(1025)).expect(400)).body).toEqual(RULE);
    expect((await server.http.post('/api/auth/login').send({ username, password: emoji(1025) }).expect(400)).body).toEqual(RULE);
    // The most a password can weigh in UTF-8, what scrypt is given: 4 bytes a character.
    expect(Buffer.byteLength(emoji(1024))).toBe(PASSWORD_LENGTH.max * 4);
  });

  it('an account whose password predates the count (four emoji, registered when units were counted) still signs in and can change it', async () => {
    const username = name();
    const hash = await hashPassword(emoji(4), scryptParams(10));
    await server.stores.users.createUser(username, hash);
    const signedIn = await server.http.post('/api/auth/login').send({ username, password: emoji(4) }).expect(200);
    await server.http.post('/api/auth/token').send({ username, password: emoji(4) }).expect(201);
    await server.http
      .post('/api/auth/password')
      .set('cookie', cookieOf(signedIn.headers['set-cookie']))
      .send({ current_password: emoji(4), new_password: emoji(8) })
      .expect(204);
    await server.http.post('/api/auth/login').send({ username, password: emoji(8) }).expect(200);
    // Under eight units is short by either count: still a 400 at login.
    expect((await server.http.post('/api/auth/login').send({ username, password: emoji(3) }).expect(400)).body).toEqual(RULE);
  });

  it('the least length counts the form that is hashed (NFKC): eight decomposed Hangul jamo are three characters, at register and as a new password', async () => {
    const jamo = '\u1100\u1161\u11a8\u1100\u1161\u11a8\u1100\u1161'; // 8 code points; NFKC: 각각가
    expect(jamo.normalize('NFKC')).toHaveLength(3);
    expect((await register(jamo).expect(400)).body).toEqual(RULE);
    const username = name();
    const signedIn = await register('correct horse', username).expect(201);
    const change = (new_password: string) =>
      server.http.post('/api/auth/password').set('cookie', cookieOf(signedIn.headers['set-cookie'])).send({ current_password: 'correct horse', new_password });
    expect((await change(jamo).expect(400)).body).toEqual({ ...RULE, message: 'new_password: must be 8 to 1024 characters' });
    // What NFKC lengthens counts as it is hashed: four "ﬁ" ligatures are "fifififi", eight characters.
    await change('ﬁﬁﬁﬁ').expect(204);
    await server.http.post('/api/auth/login').send({ username, password: 'fifififi' }).expect(200);
    // And as typed: four code points, but what register took is taken at login too.
    await server.http.post('/api/auth/login').send({ username, password: 'ﬁﬁﬁﬁ' }).expect(200);
  });
});
