import express from 'express';
import { MemoryStore, type IncrementResponse, type Store } from 'express-rate-limit';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { clientAddressKey, mappedIPv4 } from '../../src/http/client-address-key.js';
import { authLimiter } from '../../src/http/router.js';

describe('mappedIPv4', () => {
  it.each([
    ['::ffff:8.8.8.8', '8.8.8.8'],
    ['::ffff:127.0.0.2', '127.0.0.2'],
    ['::ffff:808:808', '8.8.8.8'],
    ['::FFFF:102:304', '1.2.3.4'],
    ['0:0:0:0:0:ffff:0102:0304', '1.2.3.4'],
    ['::ffff:0.0.0.0', '0.0.0.0'],
    ['::ffff:255.255.255.255', '255.255.255.255'],
  ])('reads %s as %s', (address, ipv4) => {
    expect(mappedIPv4(address)).toBe(ipv4);
  });

  it.each(['8.8.8.8', '::1', '2001:db8::ffff:1:2', '::1.2.3.4', '::ffff:1:2:3', 'fe80::ffff:1:2%eth0', '', 'not an address'])(
    'leaves %j alone (not an IPv4-mapped address)',
    (address) => {
      expect(mappedIPv4(address)).toBeUndefined();
    },
  );
});

describe('clientAddressKey', () => {
  it('keys an IPv4 client by its own address, however a dual-stack listener writes it', () => {
    expect(clientAddressKey('8.8.8.8')).toBe('8.8.8.8');
    expect(clientAddressKey('::ffff:8.8.8.8')).toBe('8.8.8.8');
    expect(clientAddressKey('::ffff:808:808')).toBe('8.8.8.8');
    expect(clientAddressKey('::ffff:8.8.4.4')).not.toBe(clientAddressKey('::ffff:8.8.8.8'));
  });

  it('keys a real IPv6 client by its /56, as express-rate-limit does', () => {
    expect(clientAddressKey('2001:db8:1:2a00::1')).toBe('2001:db8:1:2a00::/56');
    expect(clientAddressKey('2001:db8:1:2aff:ffff::9')).toBe('2001:db8:1:2a00::/56');
  });
});

/** A shared (cluster) store that records the keys it is asked to count. */
class RecordingStore implements Store {
  readonly keys: string[] = [];
  private readonly inner = new MemoryStore();
  init(options: Parameters<NonNullable<Store['init']>>[0]): void {
    this.inner.init(options);
  }
  increment(key: string): Promise<IncrementResponse> {
    this.keys.push(key);
    return this.inner.increment(key);
  }
  decrement(key: string): Promise<void> {
    return this.inner.decrement(key);
  }
  resetKey(key: string): Promise<void> {
    return this.inner.resetKey(key);
  }
  shutdown(): void {
    this.inner.shutdown();
  }
}

describe('authLimiter keys', () => {
  /** An app whose req.ip is what X-Forwarded-For says, as on a dual-stack listener behind `trust proxy`. */
  function appWith(shared?: Store) {
    const app = express();
    app.set('trust proxy', true);
    app.post('/login', authLimiter(2, shared), (_req, res) => res.status(401).end());
    const http = supertest(app);
    return (from: string) => http.post('/login').set('x-forwarded-for', from);
  }

  it('the per-process limiter gives each IPv4-mapped client its own budget', async () => {
    const login = appWith();
    await login('::ffff:203.0.113.1').expect(401);
    await login('::ffff:203.0.113.1').expect(401);
    await login('::ffff:203.0.113.1').expect(429);
    await login('::ffff:203.0.113.2').expect(401);
    // The same client written in hex is the same client.
    await login('::ffff:cb00:7101').expect(429);
  });

  it('the cluster limiter counts an IPv4-mapped client under its IPv4 address', async () => {
    const shared = new RecordingStore();
    const login = appWith(shared);
    await login('::ffff:203.0.113.1').expect(401);
    await login('::ffff:cb00:7102').expect(401);
    await login('2001:db8:1:2a00::1').expect(401);
    expect(shared.keys).toEqual(['203.0.113.1', '203.0.113.2', '2001:db8:1:2a00::/56']);
  });
});
