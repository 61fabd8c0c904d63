/**
 * The client SDK with a `getToken()` that never settles (a token fetch that
 * hangs on a network that went away mid-request: browsers' fetch has no time
 * limit of its own).
 *
 * Rule (docs/client.md, API and Bearer tokens): `connect()` while connecting
 * drops the attempt and starts a new one, with a fresh `getToken()` call. It
 * used to do nothing while the state was `connecting`: the client waited for
 * the hung call for good, and the app's "retry now" could not get it out.
 */
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { ParlorClient, type IssuedToken } from '../../src/client/index.js';
import { closeAll, registerUser, startTestServer, waitFor } from '../support/server.js';

afterEach(closeAll);

describe('SDK: a getToken() that never answers', () => {
  it('connect() (the app\'s "retry now") starts a new attempt with a fresh token and connects', async () => {
    const server = await startTestServer({ TOKEN_SECRET: 'token-secret-token-secret-token-secret-0123' });
    const alice = await registerUser(server);
    const issue = async (): Promise<IssuedToken> =>
      (await server.http.post('/api/auth/token').set('cookie', alice.cookie).expect(201)).body as IssuedToken;
    let hang = false;
    let calls = 0;
    let current: WebSocket | undefined;
    const client = new ParlorClient({
      url: server.wsUrl,
      reconnectBaseMs: 20,
      reconnectMaxMs: 50,
      getToken: () => {
        calls++;
        return hang ? new Promise<IssuedToken>(() => {}) : issue();
      },
      createSocket: (url, token) => {
        current = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
        return current;
      },
    });
    await client.connect();
    hang = true; // the network drops while the next token request is under way
    current!.terminate();
    await waitFor(() => calls === 2, 3000, 'the reconnect asks for a token');
    expect(client.state).toBe('connecting');

    hang = false; // the token backend answers again
    const welcome = await client.connect();
    expect(welcome.user_id).toBe(alice.id);
    expect(calls).toBe(3);
    expect(client.state).toBe('open');
    client.close();
  });
});
