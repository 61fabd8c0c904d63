import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { captureLogger, closeAll, connectClient, createGroup, registerUsers, startTestServer, type TestServer } from '../support/server.js';

/**
 * Issue 15, finding 5: rejected frames were logged at error level with a
 * stack, up to 640 lines/s per account. A client's mistake is answered
 * (error frame, 4xx) and logged at debug at most, without a stack.
 */
describe('client mistakes in the log', () => {
  let server: TestServer;
  const { logger, lines } = captureLogger('debug');
  beforeAll(async () => {
    server = await startTestServer({}, { logger });
  });
  afterAll(closeAll);

  let from = 0;
  beforeEach(() => {
    from = lines.length;
  });
  const errorLines = () => lines.slice(from).filter((l) => l.level >= 50);
  const withStack = () => lines.slice(from).filter((l) => JSON.stringify(l).includes('"stack"'));

  it('logs refused frames (forbidden, not_found, bad_request) at debug, without a stack', async () => {
    const [alice, bob] = await registerUsers(server, 2);
    const bobsGroup = await createGroup(server, bob);
    const client = await connectClient(server, alice.cookie);
    const refused: Array<[unknown, string]> = [
      [{ type: 'group', group_id: bobsGroup, content: 'let me in', client_id: 'f1' }, 'forbidden'],
      [{ type: 'group', group_id: 999_999, content: 'anyone?', client_id: 'n1' }, 'not_found'],
      [{ type: 'private', to: 999_999, content: 'anyone?', client_id: 'n2' }, 'not_found'],
      [{ type: 'read', message_id: 999_999 }, 'not_found'],
      [{ type: 'typing', group_id: bobsGroup }, 'forbidden'],
      ['not json', 'bad_request'],
    ];
    for (const [frame, code] of refused) {
      client.send(frame);
      expect((await client.next('error')).code).toBe(code);
    }
    expect(errorLines()).toEqual([]);
    expect(withStack()).toEqual([]);
    const debug = lines.filter((l) => l.msg === 'frame refused' && l.userId === alice.id);
    expect(debug.map((l) => [l.level, l.code])).toEqual([
      [20, 'forbidden'],
      [20, 'not_found'],
      [20, 'not_found'],
      [20, 'not_found'],
      [20, 'forbidden'],
    ]);
  });

  it('logs refused HTTP requests (403, 404, 400) below error level, without a stack', async () => {
    const [alice, bob] = await registerUsers(server, 2);
    const bobsGroup = await createGroup(server, bob);
    const as = { cookie: alice.cookie };
    await server.http.post('/api/messages/group').set(as).send({ group_id: bobsGroup, content: 'let me in' }).expect(403);
    await server.http.post('/api/messages/group').set(as).send({ group_id: 999_999, content: 'anyone?' }).expect(404);
    await server.http.post('/api/messages/private').set(as).send({ to: 999_999, content: 'anyone?' }).expect(404);
    await server.http.post('/api/messages/private').set(as).send({ to: 'bob' }).expect(400);
    await server.http.get(`/api/messages/group?group=${bobsGroup}`).set(as).expect(403);
    expect(errorLines()).toEqual([]);
    expect(withStack()).toEqual([]);
  });
});
