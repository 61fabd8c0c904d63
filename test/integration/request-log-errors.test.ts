/**
 * The request log line (pino-http) keeps the foreign-error rule too.
 *
 * pino-http logs through a child of the logger it is given, with serializers
 * of its own: its `err` serializer (pino's standard one, which copies every
 * field of an error) replaced the `err` serializer of withLoggableErrors for
 * the request line. An error on the response, logged there under `err`, kept
 * the fields a library put on it (ioredis: the failed command's arguments,
 * a session id; an HTTP client: the request's headers).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createParlor } from '../../src/app.js';
import { openSqliteStores, type SqliteStores } from '../../src/store/sqlite/index.js';
import { captureLogger, closeAll, tempDir, targetOf, type HttpTarget } from '../support/server.js';

const SECRET = 'sess:S3cretSessionIdOfAnotherUser';

describe('the request log line', () => {
  let stores: SqliteStores;
  let parlor: ReturnType<typeof createParlor>;
  let server: Server;
  let target: HttpTarget;
  const log = captureLogger();

  beforeAll(async () => {
    stores = openSqliteStores({ path: join(tempDir(), 'log.db') });
    parlor = createParlor({ stores, sessionSecret: 'a session secret of at least thirty-two characters', logger: log.logger });
    const app = express();
    // Something fails on the response while Parlor answers (a library's error, with what it sent on it).
    app.use((_req, res, next) => {
      const writeHead = res.writeHead.bind(res);
      res.writeHead = ((...args: Parameters<typeof res.writeHead>) => {
        const err = Object.assign(new Error('ERR wrong number of arguments'), { code: 'ERR', command: { name: 'get', args: [SECRET] } });
        res.emit('error', err);
        return writeHead(...args);
      }) as typeof res.writeHead;
      next();
    });
    app.use(parlor.router);
    server = createServer(app);
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    target = targetOf(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  afterAll(async () => {
    await new Promise((ok) => server.close(ok));
    await parlor.close();
    // Before closeAll removes the temporary folder: the write worker may still be opening the file in it
    // (an unawaited close() rejected once the folder was gone, an unhandled rejection in CI).
    await stores.close();
    await closeAll();
  });

  it('logs an error on the response with its type, message, code and command name, never its arguments', async () => {
    await target.http.get('/api/auth/me');
    const line = log.lines.find((l) => l.err?.message === 'ERR wrong number of arguments');
    expect(line).toBeDefined();
    expect(line!.err).toMatchObject({ code: 'ERR', commandName: 'get' });
    expect(JSON.stringify(log.lines)).not.toContain(SECRET);
  });
});
