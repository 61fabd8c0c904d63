import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TOKEN_TTL_SECONDS, MAX_TOKEN_TTL_SECONDS, MIN_TOKEN_TTL_SECONDS } from '../../src/auth/token-service.js';
import { DEFAULT_AUTH_RATE_LIMIT } from '../../src/composition/routes.js';
import { DEFAULT_READ_BUDGET } from '../../src/http/user-rate-limit.js';
import { DEFAULT_MEMBERSHIP_CACHE_GROUPS } from '../../src/store/membership-cache.js';
import { DEFAULT_MANAGER_OPTIONS } from '../../src/websocket/options.js';
import { ConfigError, EnvSchema, loadConfig, trustProxySetting, type Config } from '../../src/config.js';
import { MIN_SESSION_SECRET_CHARS } from '../../src/session/secret.js';
import { MAX_TIMER_MS } from '../../src/timer-limit.js';
import { MAX_CONTENT_CHARS, MIN_FRAME_BYTES } from '../../src/wire-limits.js';

describe('configuration from the environment', () => {
  it('has the contract defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      PORT: 3000,
      HOST: '127.0.0.1',
      SQLITE_PATH: './data/parlor.db',
      ALLOWED_ORIGINS: [],
      ADMIN_USERS: [],
      MAX_FRAME_BYTES: 65536,
      WS_RATE_LIMIT: 20,
      WS_RATE_BURST: 40,
      MAX_BUFFERED_BYTES: 4 * 1024 * 1024,
      AUTH_RATE_LIMIT: 30,
      HEARTBEAT_INTERVAL_MS: 30000,
    });
    expect(c.SESSION_SECRET).toBeUndefined();
  });

  it('parses comma lists and numbers, and treats empty values as unset', () => {
    const c = loadConfig({ ALLOWED_ORIGINS: 'https://a.example, https://b.example,,', ADMIN_USERS: 'alice', PORT: '8080', SESSION_SECRET: '' });
    expect(c.ALLOWED_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
    expect(c.ADMIN_USERS).toEqual(['alice']);
    expect(c.PORT).toBe(8080);
    expect(c.SESSION_SECRET).toBeUndefined();
  });

  it('a blank number (spaces, a tab) is unset, never 0: no limit is turned off by a stray space; numbers are read trimmed', () => {
    const c = loadConfig({ AUTH_RATE_LIMIT: ' ', HTTP_READ_RATE_LIMIT: '\t', PORT: '  ', MEMBERSHIP_CACHE_GROUPS: ' \n', WS_RATE_LIMIT: ' 25 ' });
    expect([c.AUTH_RATE_LIMIT, c.HTTP_READ_RATE_LIMIT, c.PORT, c.MEMBERSHIP_CACHE_GROUPS, c.WS_RATE_LIMIT]).toEqual([30, 20, 3000, 10_000, 25]);
    expect(loadConfig({ AUTH_RATE_LIMIT: '0' }).AUTH_RATE_LIMIT).toBe(0);
  });

  it('refuses numbers that are not plain digits (hex, exponents, fractions, signs), naming the variable', () => {
    for (const [name, value] of [['PORT', '0x10'], ['WS_RATE_LIMIT', '1e3'], ['MAX_FRAME_BYTES', '1024.5'], ['AUTH_RATE_LIMIT', '-1'], ['PORT', '70000']] as const) {
      expect(() => loadConfig({ [name]: value }), `${name}=${value}`).toThrow(new RegExp(name));
    }
  });

  it('DATABASE_URL is a PostgreSQL connection string: the Unix-socket form with no host is one, an http:// URL is not', () => {
    const socketForm = 'postgres://parlor:pw@/chat?host=/cloudsql/project:region:instance';
    expect(loadConfig({ DATABASE_URL: socketForm }).DATABASE_URL).toBe(socketForm);
    expect(loadConfig({ DATABASE_URL: 'postgresql://127.0.0.1:5432/test' }).DATABASE_URL).toBe('postgresql://127.0.0.1:5432/test');
    for (const bad of ['http://example.com/', 'ftp://x', 'localhost:5432']) expect(() => loadConfig({ DATABASE_URL: bad }), bad).toThrow(/DATABASE_URL/);
  });

  it('stops at start with every bad variable named', () => {
    const bad = () => loadConfig({ PORT: 'eighty', WS_RATE_LIMIT: '0', SESSION_SECRET: 'short', DATABASE_URL: 'not a url' });
    expect(bad).toThrow(ConfigError);
    try {
      bad();
    } catch (err) {
      const message = (err as Error).message;
      for (const name of ['PORT', 'WS_RATE_LIMIT', 'SESSION_SECRET', 'DATABASE_URL']) expect(message).toContain(name);
    }
  });

  it('ALLOWED_ORIGINS: each entry is an origin by createParlor\'s rule, or the start stops naming the variable (not allowedOrigins)', () => {
    expect(() => loadConfig({ ALLOWED_ORIGINS: 'https://a.example, not-an-origin' })).toThrow(
      /^invalid configuration:\n  ALLOWED_ORIGINS: "not-an-origin" must be an http:\/\/ or https:\/\/ origin such as https:\/\/example\.com$/,
    );
    // Parsed as URLs (schemes "localhost:" and "chat.example.com:"), but their origin is "null": no browser page has it,
    // and a list that is not empty would refuse the server's own origin too.
    for (const entry of ['localhost:5173', 'chat.example.com:443', 'file:///srv/chat.html']) {
      expect(() => loadConfig({ ALLOWED_ORIGINS: `https://a.example, ${entry}` }), entry).toThrow(
        `invalid configuration:\n  ALLOWED_ORIGINS: ${JSON.stringify(entry)} must be an http:// or https:// origin such as https://example.com`,
      );
    }
    expect(loadConfig({ ALLOWED_ORIGINS: 'https://a.example, http://localhost:5173' }).ALLOWED_ORIGINS).toEqual(['https://a.example', 'http://localhost:5173']);
  });

  it('REDIS_URL is a redis:// or rediss:// URL: an http:// one stops the start naming the variable, not the RedisBroker option', () => {
    for (const bad of ['http://127.0.0.1:6379', 'localhost', 'not a url']) {
      expect(() => loadConfig({ REDIS_URL: bad }), bad).toThrow(/^invalid configuration:\n  REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL$/);
    }
    for (const good of ['redis://127.0.0.1:6379', 'rediss://user:pw@cache.internal:6380/2']) expect(loadConfig({ REDIS_URL: good }).REDIS_URL).toBe(good);
  });

  // README: "Any bad value stops the start with the variable's name, before the database or Redis is opened":
  // `/abc` once passed here, and the start died later, after SQLite was opened, naming the broker's url option.
  it('REDIS_URL: its path is empty or a database number, else the start stops naming the variable', () => {
    for (const bad of ['redis://127.0.0.1:1/abc', 'redis://127.0.0.1:6379/1/2', 'redis://h:6379/-1', 'redis://h:6379/99999999999999999999']) {
      expect(() => loadConfig({ REDIS_URL: bad }), bad).toThrow(/^invalid configuration:\n  REDIS_URL: its path must be empty or a database number, as in redis:\/\/host:6379\/2$/);
    }
    for (const good of ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379/', 'redis://127.0.0.1:6379/0', 'rediss://u:p@h:6380/15']) {
      expect(loadConfig({ REDIS_URL: good }).REDIS_URL, good).toBe(good);
    }
  });

  // 999999999999999 s put a token's expires_at past the last valid Date.
  it('TOKEN_TTL_SECONDS is at most 366 days, naming the variable', () => {
    expect(() => loadConfig({ TOKEN_TTL_SECONDS: '999999999999999' })).toThrow(/^invalid configuration:\n  TOKEN_TTL_SECONDS: must be at most 31622400 \(366 days\)$/);
    expect(() => loadConfig({ TOKEN_TTL_SECONDS: String(MAX_TOKEN_TTL_SECONDS + 1) })).toThrow(/TOKEN_TTL_SECONDS: must be at most/);
    expect(loadConfig({ TOKEN_TTL_SECONDS: String(MAX_TOKEN_TTL_SECONDS) }).TOKEN_TTL_SECONDS).toBe(366 * 24 * 60 * 60);
  });

  // Once at least 256: MAX_FRAME_BYTES=4096 was taken, and a valid 1500-character message in Chinese (4.5 kB of UTF-8) closed the socket with 1009.
  it("takes the library's defaults where the library has them: one value, not two that can drift", () => {
    const c = loadConfig({});
    const m = DEFAULT_MANAGER_OPTIONS;
    expect(c).toMatchObject({
      WS_RATE_LIMIT: m.rateLimit,
      WS_RATE_BURST: m.rateBurst,
      WS_CONNECT_RATE: m.connectRate,
      WS_CONNECT_BURST: m.connectBurst,
      NEW_CONVERSATIONS_PER_DAY: m.newConversationsPerDay,
      MAX_BUFFERED_BYTES: m.maxBufferedBytes,
      MAX_FRAME_BYTES: m.maxFrameBytes,
      MAX_CONNECTIONS_PER_USER: m.maxConnectionsPerUser,
      HEARTBEAT_INTERVAL_MS: m.heartbeatIntervalMs,
      SESSION_RECHECK_MS: m.sessionRecheckMs,
      HTTP_READ_RATE_LIMIT: DEFAULT_READ_BUDGET.rate,
      HTTP_READ_BURST: DEFAULT_READ_BUDGET.burst,
      TOKEN_TTL_SECONDS: DEFAULT_TOKEN_TTL_SECONDS,
      MEMBERSHIP_CACHE_GROUPS: DEFAULT_MEMBERSHIP_CACHE_GROUPS,
      AUTH_RATE_LIMIT: DEFAULT_AUTH_RATE_LIMIT,
    });
  });

  it('MAX_FRAME_BYTES is at least MIN_FRAME_BYTES, the largest frame of a valid message, naming the variable', () => {
    expect(() => loadConfig({ MAX_FRAME_BYTES: '4096' })).toThrow(/^invalid configuration:\n  MAX_FRAME_BYTES: /);
    expect(() => loadConfig({ MAX_FRAME_BYTES: String(MIN_FRAME_BYTES - 1) })).toThrow(/MAX_FRAME_BYTES/);
    expect(loadConfig({ MAX_FRAME_BYTES: String(MIN_FRAME_BYTES) }).MAX_FRAME_BYTES).toBe(MIN_FRAME_BYTES);
    expect(MIN_FRAME_BYTES).toBeLessThanOrEqual(loadConfig({}).MAX_FRAME_BYTES);
  });

  it('MAX_FRAME_BYTES under its minimum says the least it may be and why, not zod\'s generic "Too small"', () => {
    expect(() => loadConfig({ MAX_FRAME_BYTES: String(MIN_FRAME_BYTES - 1) })).toThrow(
      `invalid configuration:\n  MAX_FRAME_BYTES: must be at least ${MIN_FRAME_BYTES}, the largest frame of a valid message (${MAX_CONTENT_CHARS} characters, each at its worst as JSON)`,
    );
  });

  it('TOKEN_TTL_SECONDS is at least MIN_TOKEN_TTL_SECONDS (30 s), the bound createParlor checks too', () => {
    expect(() => loadConfig({ TOKEN_TTL_SECONDS: '5' })).toThrow(/TOKEN_TTL_SECONDS/);
    expect(() => loadConfig({ TOKEN_TTL_SECONDS: String(MIN_TOKEN_TTL_SECONDS - 1) })).toThrow(/TOKEN_TTL_SECONDS/);
    expect(loadConfig({ TOKEN_TTL_SECONDS: String(MIN_TOKEN_TTL_SECONDS) }).TOKEN_TTL_SECONDS).toBe(30);
  });

  it('SESSION_SECRET is at least MIN_SESSION_SECRET_CHARS, the minimum of createParlor and the data-folder file too', () => {
    expect(() => loadConfig({ SESSION_SECRET: 's'.repeat(MIN_SESSION_SECRET_CHARS - 1) })).toThrow(/SESSION_SECRET: must be at least 16 characters/);
    expect(loadConfig({ SESSION_SECRET: 's'.repeat(MIN_SESSION_SECRET_CHARS) }).SESSION_SECRET).toBe('s'.repeat(16));
  });

  it('refuses a timer over 2^31-1 ms (Node would fire it at once: a ping every millisecond), naming each variable', () => {
    const timers = ['HEARTBEAT_INTERVAL_MS', 'PRESENCE_SWEEP_MS', 'PRESENCE_TTL_MS', 'SESSION_RECHECK_MS'];
    // Every *_MS variable is a timer's delay: a new one must be bounded too.
    expect(Object.keys(EnvSchema.shape).filter((name) => name.endsWith('_MS')).sort()).toEqual(timers);
    for (const name of timers) {
      expect(() => loadConfig({ [name]: '3000000000' }), name).toThrow(
        new RegExp(`^invalid configuration:\\n  ${name}: must be at most 2147483647 ms \\(about 24\\.8 days\\): a longer timer delay fires at once$`),
      );
      expect(loadConfig({ [name]: String(MAX_TIMER_MS) })[name as keyof Config]).toBe(MAX_TIMER_MS);
    }
  });

  it('reads TRUST_PROXY as Express understands it', () => {
    expect(trustProxySetting(undefined)).toBe(false);
    expect(trustProxySetting('1')).toBe(1);
    expect(trustProxySetting('0')).toBe(false); // no proxy: the origin check must not believe X-Forwarded-Proto either
    expect(trustProxySetting('loopback')).toBe('loopback');
  });

  it('refuses TRUST_PROXY=true at start: it lets any client forge its IP (issue 15, finding 5)', () => {
    for (const value of ['true', 'TRUE', ' true ']) {
      expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(/TRUST_PROXY: "true" would believe every X-Forwarded-For entry/);
    }
    expect(loadConfig({ TRUST_PROXY: '1' }).TRUST_PROXY).toBe('1');
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).TRUST_PROXY).toBe('loopback, 10.0.0.0/8');
  });

  it('refuses TRUST_PROXY addresses Express could not compile, naming the variable (not the trustProxy option it feeds)', () => {
    for (const value of ['10.0.0.0/99', 'nginx', 'loopback, 10.0.0.0/8,']) {
      expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(/^invalid configuration:\n  TRUST_PROXY: must be a number of proxy hops or proxy addresses/);
    }
    // "true" is named once, for its own reason.
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/^invalid configuration:\n  TRUST_PROXY: "true" would[^\n]*$/);
    for (const value of ['0', 'false', '2', '10.0.0.0/8, 127.0.0.1', 'uniquelocal']) {
      expect(() => loadConfig({ TRUST_PROXY: value })).not.toThrow();
    }
  });

  it('documents every variable in the README configuration table, and no other', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 5));
    const documented = new Set([...section.matchAll(/^\| `([A-Z_]+)`(?: \/ `([A-Z_]+)`)?/gm)].flatMap((m) => [m[1], m[2]]).filter(Boolean));
    expect([...documented].sort()).toEqual(Object.keys(EnvSchema.shape).sort());
  });
});
