import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createOriginPolicy } from '../../src/websocket/origin-policy.js';

function req(headers: { origin?: string; host?: string; 'x-forwarded-proto'?: string }, tls = false): IncomingMessage {
  return { headers, socket: { encrypted: tls } } as unknown as IncomingMessage;
}

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
