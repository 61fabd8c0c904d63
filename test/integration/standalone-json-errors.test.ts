/**
 * The standalone server (`npm start`) owns every path, so every answer it gives is JSON (contract section 2:
 * errors are `{"error": "<code>", "message": "..."}`), never Express's HTML "Cannot GET" page: a near miss of
 * an API path (`//api/auth/me`, a client joining a base URL that ends in `/`), of the ops paths (`/healthz/`,
 * `/HEALTHZ`, `POST /healthz`, as a load balancer's probe may send), a plain GET of the WebSocket path without
 * an Upgrade header, or a malformed percent-encoding, all answer a JSON 404 `not_found`. Paths are sent byte for
 * byte (rawRequest): supertest would re-encode them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../support/raw-request.js';
import { closeAll, startTestServer, type TestServer } from '../support/server.js';

describe('the standalone server answers every path in JSON', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(closeAll);

  it.each([
    ['GET', '//api/auth/me'],
    ['GET', '/healthz/'],
    ['GET', '/HEALTHZ'],
    ['POST', '/healthz'],
    ['GET', '/ws'],
    ['GET', '/nothing/here'],
    ['DELETE', '/'],
    ['GET', '/api/no-such-route'],
    ['GET', '/api/users/%E0/block'],
    ['GET', '/%E0'],
  ])('%s %s is a JSON 404 not_found', async (method, path) => {
    const res = await rawRequest(server.url, method, path);
    expect({ status: res.status, type: res.type, body: JSON.parse(res.text) }).toEqual({
      status: 404,
      type: expect.stringMatching(/^application\/json/),
      body: { error: 'not_found', message: 'no such route' },
    });
  });

  it('its own paths still answer as before', async () => {
    const health = await rawRequest(server.url, 'GET', '/healthz');
    expect({ status: health.status, body: JSON.parse(health.text) }).toMatchObject({ status: 200, body: { status: 'ok' } });
    const me = await rawRequest(server.url, 'GET', '/api/auth/me');
    expect({ status: me.status, body: JSON.parse(me.text) }).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
  });
});
