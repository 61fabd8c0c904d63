/**
 * The Origin rule on `/ws` with a host's own SessionResolver (contract
 * section 3): a foreign Origin gets 403 before the upgrade unless the identity
 * came by a bearer token (`via: 'token'`), the one credential a browser does
 * not attach by itself. A resolver written in plain JavaScript (or cast) that
 * reads the host's cookie and forgets `via`, or misspells it, is treated as a
 * cookie: it used to skip the check, so a page on any other site could open a
 * socket with the victim's cookie (cross-site WebSocket hijacking).
 */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { SessionResolver } from '../../src/websocket/session-resolver.js';
import { useSqliteHostApp } from '../support/host-app.js';
import { connectClient, upgradeStatus } from '../support/server.js';

const EVIL = 'https://evil.example';

/** The host's cookie session (`host_sid=<user id>`), read the host's way, with `via` as given (`undefined`: left out). */
function hostCookieResolver(via: unknown): SessionResolver {
  return {
    resolve(req: IncomingMessage) {
      const m = /(?:^|;\s*)host_sid=(\d+)/.exec(String(req.headers.cookie ?? ''));
      if (!m) return null;
      return { userId: Number(m[1]), sessionId: `s${m[1]}`, ...(via === undefined ? {} : { via }) };
    },
  } as unknown as SessionResolver;
}

describe.each([
  ['no `via` at all', undefined],
  ['a misspelled `via`', 'Cookie'],
  ['`via: cookie`', 'cookie'],
])('a host resolver reading its cookie, identity with %s', (_name, via) => {
  const app = useSqliteHostApp({ sessionResolver: hostCookieResolver(via) });

  it('a foreign Origin is refused with 403 before the upgrade', async () => {
    expect(await upgradeStatus(app.host.wsUrl, { cookie: 'host_sid=1101', origin: EVIL })).toBe(403);
  });

  it('the app\'s own Origin, and no Origin (not a browser), open the socket', async () => {
    for (const headers of [{ origin: app.host.url }, {}] as Array<Record<string, string>>) {
      const client = await connectClient(app.host, 'host_sid=1102', { headers });
      expect(client.frames[0]).toMatchObject({ type: 'welcome', user_id: 1102 });
      client.ws.close();
    }
  });
});

describe("a host resolver's bearer identity (`via: 'token'`) is exempt", () => {
  const app = useSqliteHostApp({
    sessionResolver: {
      resolve: (req) => {
        const m = /^Bearer (\d+)$/.exec(req.headers.authorization ?? '');
        return m ? { userId: Number(m[1]), via: 'token' } : null;
      },
    },
  });

  it('opens from a foreign Origin: no ambient credential', async () => {
    const client = await connectClient(app.host, undefined, { headers: { authorization: 'Bearer 1103', origin: EVIL } });
    expect(client.frames[0]).toMatchObject({ type: 'welcome', user_id: 1103 });
    client.ws.close();
  });
});
