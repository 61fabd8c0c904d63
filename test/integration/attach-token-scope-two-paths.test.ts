/**
 * Mutant (src/composition/upgrade-listener.ts claimTokenScope): `holder ?? { mount, paths: 0 }` ->
 * `{ mount, paths: 0 }` survived test/integration/token-audience.test.ts and
 * test/integration/close-releases-attach.test.ts. One mount attached on two paths counts both: with
 * the mutant its second attach started a new count, so stopping the first path released the token
 * scope while the second path still served it, and a second mount with the same key and default
 * audience could attach next to it: each taking the other's tokens as its own user of that id
 * (docs/tokens.md, "Keys and audience").
 */
import { createServer } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { createParlor, type Parlor } from '../../src/app.js';
import { openSqliteStores } from '../../src/store/sqlite/index.js';

const SECRET = 'the one session secret of this host app';

describe('a mount attached on two paths of one server', () => {
  const stores = openSqliteStores({ path: ':memory:', sessionPruneIntervalMs: 0 });
  const opened: Parlor[] = [];
  afterAll(async () => {
    for (const parlor of opened) await parlor.close();
    await stores.close();
  });
  const mount = () => {
    const parlor = createParlor({ stores, sessionSecret: SECRET, passwordHashCost: 10, processMetrics: false });
    opened.push(parlor);
    return parlor;
  };

  it('keeps its token scope while one path still serves it: another mount of the same key and audience is refused until both stop', () => {
    const server = createServer();
    const chat = mount();
    const support = mount();
    const stopFirst = chat.attach(server, { path: '/chat/ws' });
    const stopSecond = chat.attach(server, { path: '/chat/ws2' });
    stopFirst();
    expect(() => support.attach(server, { path: '/support/ws' })).toThrow(/same key for the same default audience/);
    stopSecond();
    expect(() => support.attach(server, { path: '/support/ws' })).not.toThrow();
  });
});
