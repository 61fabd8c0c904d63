/**
 * Parlor mounts on their own in-memory SQLite stores, and bare HTTP servers
 * to attach them to, for the tests of `parlor.attach`. Everything made is
 * closed after the file's tests: mounts and their stores first, then the
 * servers, then closeAll (last: it removes the temporary folders).
 */
import { createServer, type Server } from 'node:http';
import { afterAll } from 'vitest';
import { createParlor, type Parlor, type ParlorOptions } from '../../src/app.js';
import { openSqliteStores } from '../../src/store/sqlite/index.js';
import type { Stores } from '../../src/store/types.js';
import { headerResolver } from './host-app.js';
import { closeAll } from './server.js';

export interface AttachMounts {
  /** A Parlor on its own stores, signed in by the test header (headerResolver); `options` added. */
  mount(options?: Omit<Partial<ParlorOptions>, 'stores'>): Parlor;
  /** `server` (a new bare one by default) listening on 127.0.0.1, closed after the tests. */
  listening(server?: Server): Promise<Server>;
}

export function useAttachMounts(): AttachMounts {
  const opened: Array<{ stores: Stores; parlor: Parlor }> = [];
  const servers: Server[] = [];
  afterAll(async () => {
    for (const { stores, parlor } of opened) {
      await parlor.close();
      await stores.close();
    }
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    await closeAll();
  });
  return {
    mount(options = {}) {
      const stores = openSqliteStores({ path: ':memory:', sessionPruneIntervalMs: 0, writer: 'inline' });
      const parlor = createParlor({ stores, sessionResolver: headerResolver, processMetrics: false, ...options });
      opened.push({ stores, parlor });
      return parlor;
    },
    async listening(server = createServer()) {
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return server;
    },
  };
}
