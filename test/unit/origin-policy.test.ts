import type { IncomingMessage } from 'node:http';
import express from 'express';
import { describe, expect, it } from 'vitest';
import type { TrustProxySetting } from '../../src/trust-proxy.js';
import { createOriginPolicy } from '../../src/websocket/origin-policy.js';

type Headers = { origin?: string; host?: string; 'x-forwarded-proto'?: string };

function req(headers: Headers, tls = false, remoteAddress?: string): IncomingMessage {
  return { headers, socket: { encrypted: tls, remoteAddress } } as unknown as IncomingMessage;
}

/** A plain-http request for https://chat.example, as a TLS proxy forwards it, arriving from `peer`. */
const forwardedHttps = (peer: string | undefined, proto = 'https') =>
  req({ origin: 'https://chat.example', host: 'chat.example', 'x-forwarded-proto': proto }, false, peer);

describe('createOriginPolicy: default (no list)', () => {
  const allowed = createOriginPolicy();

  it("allows only the server's own origin, by the Host header", () => {
    expect(allowed(req({ origin: 'http://chat.example:3000', host: 'chat.example:3000' }))).toBe(true);
    expect(allowed(req({ origin: 'https://chat.example', host: 'chat.example' }, true))).toBe(true);
    expect(allowed(req({ origin: 'https://evil.example', host: 'chat.example' }))).toBe(false);
    expect(allowed(req({ origin: 'http://chat.example:3001', host: 'chat.example:3000' }))).toBe(false);
    expect(allowed(req({ origin: 'http://sub.chat.example', host: 'chat.example' }))).toBe(false);
  });

  it('compares the scheme too: https is not the origin of a plain http server, nor http of a TLS one', () => {
    expect(allowed(req({ origin: 'https://chat.example', host: 'chat.example' }))).toBe(false);
    expect(allowed(req({ origin: 'https://chat.example:3000', host: 'chat.example:3000' }))).toBe(false);
    expect(allowed(req({ origin: 'http://chat.example', host: 'chat.example' }, true))).toBe(false);
  });

  it('treats a default port as absent on either side', () => {
    expect(allowed(req({ origin: 'https://chat.example:443', host: 'chat.example' }, true))).toBe(true);
    expect(allowed(req({ origin: 'http://chat.example', host: 'chat.example:80' }))).toBe(true);
  });

  it('believes X-Forwarded-Proto only with trustProxy', () => {
    const proxied = req({ origin: 'https://chat.example', host: 'chat.example', 'x-forwarded-proto': 'https' });
    expect(allowed(proxied)).toBe(false);
    expect(createOriginPolicy([], { trustProxy: true })(proxied)).toBe(true);
    expect(createOriginPolicy([], { trustProxy: true })(req({ origin: 'https://chat.example', host: 'chat.example', 'x-forwarded-proto': 'http' }))).toBe(false);
  });

  it('compares without regard to case or a trailing slash', () => {
    expect(allowed(req({ origin: 'HTTP://Chat.Example:3000/', host: 'CHAT.example:3000' }))).toBe(true);
  });

  it('refuses an opaque or malformed Origin, and any Origin when Host is missing', () => {
    expect(allowed(req({ origin: 'null', host: 'chat.example' }))).toBe(false);
    expect(allowed(req({ origin: 'not a url', host: 'chat.example' }))).toBe(false);
    expect(allowed(req({ origin: '', host: 'chat.example' }))).toBe(false);
    expect(allowed(req({ origin: 'https://chat.example' }))).toBe(false);
  });

  it('lets a request without an Origin header through: no browser, no hijacking', () => {
    expect(allowed(req({ host: 'chat.example' }))).toBe(true);
  });
});

describe('createOriginPolicy: X-Forwarded-Proto is believed per peer, as Express believes it', () => {
  const own = (trustProxy: TrustProxySetting | undefined) => createOriginPolicy([], { trustProxy });

  it('proxy addresses: only from a peer among them; anyone else gets its own scheme (http)', () => {
    const policy = own('10.0.0.0/8');
    expect(policy(forwardedHttps('10.1.2.3'))).toBe(true);
    expect(policy(forwardedHttps('192.0.2.7'))).toBe(false);
    expect(policy(req({ origin: 'http://chat.example', host: 'chat.example', 'x-forwarded-proto': 'https' }, false, '192.0.2.7'))).toBe(true);
  });

  it("proxy addresses take Express's forms: a comma list, an array, names, IPv4-mapped peers", () => {
    for (const setting of ['10.0.0.0/8, 127.0.0.1', ['10.0.0.0/8', '127.0.0.1'], 'uniquelocal, loopback']) {
      expect(own(setting)(forwardedHttps('10.1.2.3'))).toBe(true);
      expect(own(setting)(forwardedHttps('::ffff:10.1.2.3'))).toBe(true); // a dual-stack server's view of an IPv4 peer
      expect(own(setting)(forwardedHttps('127.0.0.1'))).toBe(true);
      expect(own(setting)(forwardedHttps('192.0.2.7'))).toBe(false);
      expect(own(setting)(forwardedHttps(undefined))).toBe(false); // a closed socket has no peer to trust
    }
    expect(own('loopback')(forwardedHttps('::1'))).toBe(true);
    expect(own('loopback')(forwardedHttps('10.1.2.3'))).toBe(false);
  });

  it('a hop count: the immediate peer is hop 0, so one hop or more believes any peer (Express semantics)', () => {
    for (const peer of ['10.1.2.3', '192.0.2.7', '127.0.0.1']) {
      expect(own(1)(forwardedHttps(peer))).toBe(true);
      expect(own(2)(forwardedHttps(peer))).toBe(true);
      expect(own(0)(forwardedHttps(peer))).toBe(false);
    }
  });

  it('false or absent: never believed; true: always', () => {
    for (const peer of ['10.1.2.3', '192.0.2.7', '127.0.0.1', undefined]) {
      expect(own(false)(forwardedHttps(peer))).toBe(false);
      expect(own(undefined)(forwardedHttps(peer))).toBe(false);
      expect(own(true)(forwardedHttps(peer))).toBe(true);
    }
  });

  it("a function is asked about the immediate peer at hop 0, as Express's req.protocol asks it", () => {
    const asked: Array<[string, number]> = [];
    const policy = own((addr, hop) => {
      asked.push([addr, hop]);
      return addr === '10.1.2.3';
    });
    expect(policy(forwardedHttps('10.1.2.3'))).toBe(true);
    expect(policy(forwardedHttps('192.0.2.7'))).toBe(false);
    expect(asked).toEqual([['10.1.2.3', 0], ['192.0.2.7', 0]]);
  });

  it('a trusted peer still says only http or https, first value first; anything else leaves the own scheme', () => {
    const policy = own('10.0.0.0/8');
    expect(policy(forwardedHttps('10.1.2.3', 'https, http'))).toBe(true);
    expect(policy(forwardedHttps('10.1.2.3', 'http'))).toBe(false);
    expect(policy(forwardedHttps('10.1.2.3', 'wss'))).toBe(false);
    expect(policy(req({ origin: 'https://chat.example', host: 'chat.example' }, true, '10.1.2.3'))).toBe(true);
  });

  // The rule's reason to exist: the origin check and Express's req.protocol must not disagree on any request.
  const settings: Array<[string, TrustProxySetting]> = [
    ...([false, true, 0, 1, 2, '10.0.0.0/8', '10.0.0.0/8, 127.0.0.1', ['loopback'], 'loopback, uniquelocal'] as const).map((s): [string, TrustProxySetting] => [JSON.stringify(s), s]),
    ['a function', (addr: string) => addr.startsWith('10.')],
  ];
  const peers = ['10.1.2.3', '192.0.2.7', '127.0.0.1', '::1', '::ffff:10.1.2.3', '::ffff:192.0.2.7'];
  it.each(settings)("agrees with Express's req.protocol for trust proxy %s, peer by peer", (_name, setting) => {
    const app = express();
    app.set('trust proxy', setting);
    const policy = own(setting);
    for (const peer of peers) {
      for (const proto of ['https', 'http', 'https, http']) {
        const request = forwardedHttps(peer, proto);
        const viaExpress = Object.assign(Object.create(app.request), { headers: request.headers, socket: request.socket }) as express.Request;
        expect({ peer, proto, https: policy(request) }).toEqual({ peer, proto, https: viaExpress.protocol === 'https' });
      }
    }
  });
});

describe('createOriginPolicy: ALLOWED_ORIGINS list', () => {
  const allowed = createOriginPolicy(['https://app.example', 'http://localhost:5173/']);

  it('allows exactly the listed origins', () => {
    expect(allowed(req({ origin: 'https://app.example', host: 'api.example' }))).toBe(true);
    expect(allowed(req({ origin: 'http://localhost:5173', host: 'api.example' }))).toBe(true);
    expect(allowed(req({ origin: 'https://APP.example/', host: 'api.example' }))).toBe(true);
  });

  it('refuses everything else, the own origin included, and look-alikes', () => {
    expect(allowed(req({ origin: 'https://api.example', host: 'api.example' }))).toBe(false);
    expect(allowed(req({ origin: 'http://app.example', host: 'api.example' }))).toBe(false);
    expect(allowed(req({ origin: 'https://app.example.evil', host: 'api.example' }))).toBe(false);
    expect(allowed(req({ origin: 'http://localhost:5174', host: 'api.example' }))).toBe(false);
    expect(allowed(req({ origin: 'null', host: 'api.example' }))).toBe(false);
  });
});
