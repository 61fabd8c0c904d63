import { MAX_TOKEN_TTL_SECONDS, MIN_TOKEN_TTL_SECONDS } from '../../src/auth/token-service.js';
import { afterAll, describe, expect, it } from 'vitest';
import { createParlor, type Parlor, type ParlorOptions } from '../../src/app.js';
import { checkParlorOptions, ParlorOptionsError } from '../../src/parlor-options.js';
import { MIN_SESSION_SECRET_CHARS } from '../../src/session/secret.js';
import { openSqliteStores } from '../../src/store/sqlite/index.js';
import { MAX_TIMER_MS } from '../../src/timer-limit.js';
import { resolveManagerOptions } from '../../src/websocket/options.js';
import { MIN_FRAME_BYTES } from '../../src/wire-limits.js';
import { captureLogger } from '../support/server.js';

const stores = openSqliteStores({ path: ':memory:', sessionPruneIntervalMs: 0 });
afterAll(() => stores.close());

const SECRET = 'a session secret of some length';
const hostResolver = { resolve: () => null };

/** The problems createParlor names for these options (fails the test if it does not throw ParlorOptionsError). */
function problemsOf(options: unknown): readonly string[] {
  try {
    createParlor(options as ParlorOptions);
  } catch (err) {
    if (err instanceof ParlorOptionsError) return err.problems;
    throw err;
  }
  throw new Error('createParlor accepted the options');
}

describe('createParlor checks its options at construction (contract section 4)', () => {
  it('{} names the missing stores and secret instead of a TypeError later', () => {
    expect(problemsOf({})).toEqual(['stores: is required', 'sessionSecret: is required while Parlor keeps its own sessions (no sessionResolver given)']);
    expect(() => createParlor(undefined as never)).toThrow(ParlorOptionsError);
  });

  it('names every bad option in one error, unknown names included', () => {
    const problems = problemsOf({ stores, sessionSecret: '', sesionSecret: SECRET, wsPath: 'ws', authRateLimit: -1, colour: 'blue' });
    expect(problems).toEqual(
      expect.arrayContaining([
        'sessionSecret: must be at least 16 characters',
        'sesionSecret: unknown option',
        'colour: unknown option',
        'wsPath: must start with /',
        expect.stringMatching(/^authRateLimit: /),
      ]),
    );
    expect(problems).toHaveLength(5);
  });

  it('checks the manager options too: a misspelt name and a bad value are named with the other bad options', async () => {
    expect(problemsOf({ stores, sessionSecret: SECRET, manager: { heartbeatIntervalMS: 5000, rateLimit: 20 } })).toEqual([
      'manager.heartbeatIntervalMS: unknown Manager option',
    ]);
    expect(problemsOf({ stores, sessionSecret: SECRET, wsPath: 'ws', manager: { rateLimit: 0 } })).toEqual([
      'wsPath: must start with /',
      'manager.rateLimit: must be a positive number, got 0',
    ]);
    // Every name the Manager takes is accepted, the ones without a default included.
    const parlor = createParlor({ stores, sessionSecret: SECRET, processMetrics: false, manager: { rateLimit: 5, messagePolicy: { check: () => ({ allow: true }) } } });
    expect(parlor.manager.options.rateLimit).toBe(5);
    await parlor.close();
  });

  it('names every bad manager option at once: all bad values, and the bad values beside an unknown name', () => {
    expect(problemsOf({ stores, sessionSecret: SECRET, manager: { rateLimit: -1, maxFrameBytes: 0 } })).toEqual([
      'manager.rateLimit: must be a positive number, got -1',
      'manager.maxFrameBytes: must be a positive number, got 0',
    ]);
    expect(problemsOf({ stores, sessionSecret: SECRET, manager: { maxFrameBytes: 4096 } })).toEqual([
      `manager.maxFrameBytes: must be at least ${MIN_FRAME_BYTES} (a message of 4000 characters, as JSON escapes at worst), got 4096`,
    ]);
    expect(() => resolveManagerOptions({ maxFrameBytes: MIN_FRAME_BYTES - 1 })).toThrow(/maxFrameBytes must be at least/);
    expect(resolveManagerOptions({ maxFrameBytes: MIN_FRAME_BYTES }).maxFrameBytes).toBe(MIN_FRAME_BYTES);
    expect(problemsOf({ stores, sessionSecret: SECRET, manager: { rateLmit: 10, heartbeatIntervalMs: 0, userCacheSize: 1.5 } })).toEqual([
      'manager.rateLmit: unknown Manager option',
      'manager.heartbeatIntervalMs: must be a positive number, got 0',
      'manager.userCacheSize: must be a non-negative integer, got 1.5',
    ]);
    // A value derived from a given one (a quarter of maxBufferedBytes) is named under manager, not as a missing option.
    expect(problemsOf({ stores, sessionSecret: SECRET, manager: { maxBufferedBytes: 3 } })).toEqual(['manager: shedBufferedBytes must be a positive number, got 0']);
  });

  it('refuses a timer over 2^31-1 ms, which Node would fire at once (a ping every millisecond): manager timers and sessionTimeoutMs', () => {
    const tooLong = MAX_TIMER_MS + 1;
    const timers = ['drainCheckMs', 'closeTimeoutMs', 'heartbeatIntervalMs', 'typingTimeoutMs', 'sessionRecheckMs'];
    const bound = 'must be at most 2147483647 ms (about 24.8 days): a longer timer delay fires at once';
    expect(problemsOf({ stores, sessionSecret: SECRET, sessionTimeoutMs: tooLong, manager: Object.fromEntries(timers.map((name) => [name, tooLong])) })).toEqual([
      `sessionTimeoutMs: ${bound}`,
      ...timers.map((name) => `manager.${name}: ${bound}`),
    ]);
    // A Manager built by hand takes the same checks.
    expect(() => resolveManagerOptions({ heartbeatIntervalMs: 3_000_000_000 })).toThrow(`Manager option heartbeatIntervalMs ${bound}`);
    expect(() => checkParlorOptions({ stores, sessionSecret: SECRET, sessionTimeoutMs: MAX_TIMER_MS, manager: { heartbeatIntervalMs: MAX_TIMER_MS } })).not.toThrow();
  });

  it("refuses an empty or short secret, and an empty list of secrets", () => {
    expect(problemsOf({ stores, sessionSecret: '' })).toEqual(['sessionSecret: must be at least 16 characters']);
    expect(problemsOf({ stores, sessionSecret: 'short' })).toEqual(['sessionSecret: must be at least 16 characters']);
    expect(problemsOf({ stores, sessionSecret: [] })).toEqual(['sessionSecret: must hold at least one secret']);
  });

  it('takes a secret of MIN_SESSION_SECRET_CHARS, the minimum of SESSION_SECRET and the data-folder file too', async () => {
    expect(problemsOf({ stores, sessionSecret: 's'.repeat(MIN_SESSION_SECRET_CHARS - 1) })).toEqual([`sessionSecret: must be at least ${MIN_SESSION_SECRET_CHARS} characters`]);
    await createParlor({ stores, sessionSecret: 's'.repeat(MIN_SESSION_SECRET_CHARS), processMetrics: false }).close();
  });

  it('checks httpRateLimit: budgets with a positive rate and a burst of at least 1, or false', async () => {
    expect(problemsOf({ stores, sessionSecret: SECRET, httpRateLimit: { sends: { rate: 0, burst: 1 }, reads: { rate: 1, burst: 0.5 } } })).toEqual([
      expect.stringMatching(/^httpRateLimit\.sends/),
      expect.stringMatching(/^httpRateLimit\.reads/),
    ]);
    expect(problemsOf({ stores, sessionSecret: SECRET, httpRateLimit: { writes: false } })).toEqual(['writes: unknown option']);
    // Stores with their default timers (session pruning) do not serialise: the misspelling is still named, not a TypeError.
    const pruning = openSqliteStores({ path: ':memory:' });
    try {
      expect(problemsOf({ stores: pruning, sessionSecret: SECRET, sesionSecret: 'typo' })).toEqual(['sesionSecret: unknown option']);
    } finally {
      await pruning.close();
    }
    await createParlor({ stores, sessionSecret: SECRET, httpRateLimit: { sends: false, reads: { rate: 5, burst: 10 } } }).close();
  });

  it('refuses stores that are not stores', () => {
    expect(problemsOf({ stores: {}, sessionSecret: SECRET })).toEqual(['stores: must be the stores of openSqliteStores(...) or openPostgresStores(...)']);
  });

  it('refuses an interface object without its required method', () => {
    expect(problemsOf({ stores, sessionResolver: { resolve: 'no' }, tokens: false })).toEqual([
      'sessionResolver: must be a SessionResolver with the method resolve',
    ]);
    expect(problemsOf({ stores, sessionSecret: SECRET, groupMemberFetcher: { contactsOf: () => [] } })).toEqual([
      'groupMemberFetcher: must be a GroupMemberFetcher with the method acceptedMembers',
    ]);
    expect(problemsOf({ stores, sessionSecret: SECRET, messagePersister: { savePrivate: () => null } })).toEqual([
      'messagePersister: must be a MessagePersister with the methods savePrivate, saveGroup, saveNotification, privateHistory, groupHistory',
    ]);
  });

  it("refuses a messagePersister with only some of the notification reads (they answer two routes together)", () => {
    const required = { savePrivate() {}, saveGroup() {}, saveNotification() {}, privateHistory() {}, groupHistory() {} };
    const reads = { notificationsOf() {}, unreadNotificationCount() {}, markNotificationsRead() {} };
    expect(problemsOf({ stores, sessionSecret: SECRET, messagePersister: { ...required, notificationsOf() {} } })).toEqual([
      'messagePersister: notificationsOf, unreadNotificationCount, markNotificationsRead: give all three or none',
    ]);
    expect(problemsOf({ stores, sessionSecret: SECRET, messagePersister: { ...required, ...reads, markNotificationsRead: 1 } })).toHaveLength(1);
    for (const messagePersister of [required, { ...required, ...reads }]) {
      expect(() => checkParlorOptions({ stores, sessionSecret: SECRET, messagePersister })).not.toThrow();
    }
  });

  it('refuses a userDirectory without existing, or with a profiles that is not a method', () => {
    expect(problemsOf({ stores, sessionSecret: SECRET, userDirectory: { profiles: () => [] } })).toEqual([
      'userDirectory: must be a UserDirectory with the method existing',
    ]);
    expect(problemsOf({ stores, sessionSecret: SECRET, userDirectory: { existing: () => [], profiles: [] } })).toEqual([
      'userDirectory: profiles, when given, must be a method',
    ]);
    expect(() => createParlor({ stores, sessionSecret: SECRET, userDirectory: { existing: () => [] } })).not.toThrow();
  });

  it('refuses an optional method given as anything but a method, in every interface, instead of a TypeError at its first use', async () => {
    const fn = () => undefined;
    const persister = { savePrivate: fn, saveGroup: fn, saveNotification: fn, privateHistory: fn, groupHistory: fn };
    expect(problemsOf({ stores, sessionResolver: { resolve: fn, stillValid: 5 }, tokens: false })).toEqual([
      'sessionResolver: stillValid, when given, must be a method',
    ]);
    expect(problemsOf({ stores, sessionSecret: SECRET, groupMemberFetcher: { acceptedMembers: fn, contactsOf: [], groupsOf: 5, members: null } })).toEqual([
      'groupMemberFetcher: contactsOf, when given, must be a method',
      'groupMemberFetcher: groupsOf, when given, must be a method',
      'groupMemberFetcher: members, when given, must be a method',
    ]);
    expect(problemsOf({ stores, sessionSecret: SECRET, messagePersister: { ...persister, conversationsOf: 7, messagesSince: {}, markDelivered: true } })).toEqual([
      'messagePersister: messagesSince, when given, must be a method',
      'messagePersister: markDelivered, when given, must be a method',
      'messagePersister: conversationsOf, when given, must be a method',
    ]);
    expect(problemsOf({ stores, sessionSecret: SECRET, broker: { publish: fn, setDeliver: fn, close: fn, onlineAmong: 'redis' } })).toEqual([
      'broker: onlineAmong, when given, must be a method',
    ]);
    // Given as methods, they are taken.
    const parlor = createParlor({
      stores,
      sessionResolver: { resolve: () => null, stillValid: () => [] },
      tokens: false,
      processMetrics: false,
      groupMemberFetcher: { acceptedMembers: () => null, contactsOf: () => [], groupsOf: () => [], members: () => [] },
    });
    await parlor.close();
  });

  it("refuses a logger without pino's level table, which pino-http reads, instead of its TypeError", async () => {
    const methods = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, fatal() {} };
    const bare: Record<string, unknown> = { ...methods, child: () => bare };
    expect(problemsOf({ stores, sessionSecret: SECRET, logger: bare })).toEqual([
      "logger: must be a pino logger: the methods info, warn, error, debug, child, and pino's level table levels.values",
    ]);
    const leveled: Record<string, unknown> = { ...methods, levels: { values: { info: 30, warn: 40, error: 50 } }, child: () => leveled };
    await createParlor({ stores, sessionSecret: SECRET, processMetrics: false, logger: leveled as never }).close();
  });

  it('accounts: true with a host sessionResolver is an error: Parlor would write sessions it does not own', () => {
    expect(problemsOf({ stores, sessionResolver: hostResolver, accounts: true, sessionSecret: SECRET })).toEqual([
      'accounts: must not be true with a host sessionResolver: Parlor would write sessions it does not own',
    ]);
  });

  it('a host sessionResolver needs no secret: without a token key, bearer tokens are off, said once in the log, and issue names tokens.secret', async () => {
    const built: Parlor[] = [];
    const tokensOffLines = (options: Partial<ParlorOptions>) => {
      const log = captureLogger();
      const parlor = createParlor({ stores, sessionResolver: hostResolver, processMetrics: false, logger: log.logger, ...options } as ParlorOptions);
      built.push(parlor);
      return { parlor, lines: log.lines.filter((l) => /bearer tokens are off/.test(String(l.msg))) };
    };
    const keyless = tokensOffLines({});
    expect(keyless.lines).toEqual([expect.objectContaining({ level: 30, msg: expect.stringContaining('tokens.secret') })]);
    await expect(keyless.parlor.tokens.issue(1)).rejects.toThrow(/bearer tokens are off.*tokens\.secret/);
    await expect(keyless.parlor.tokens.revokeAll(1)).rejects.toThrow(/tokens\.secret/);
    // Off on purpose, or a key: nothing to say.
    expect(tokensOffLines({ tokens: false }).lines).toEqual([]);
    const keyed = tokensOffLines({ tokens: { secret: 'x'.repeat(32) } });
    expect(keyed.lines).toEqual([]);
    await expect(keyed.parlor.tokens.issue(1)).resolves.toMatchObject({ token: expect.any(String) });
    expect(tokensOffLines({ sessionSecret: SECRET }).lines).toEqual([]);
    for (const parlor of built) await parlor.close();
  });

  it('asking for bearer tokens (a tokens object) with a host sessionResolver and no key to sign them is an error', () => {
    expect(problemsOf({ stores, sessionResolver: hostResolver, tokens: { ttlSeconds: 60 } })).toEqual([
      'tokens: bearer tokens need a key: add tokens.secret (32+ characters) or sessionSecret, or pass tokens: false',
    ]);
  });

  it('tokens.ttlSeconds is at most MAX_TOKEN_TTL_SECONDS (366 days), as TOKEN_TTL_SECONDS', async () => {
    expect(problemsOf({ stores, sessionSecret: SECRET, tokens: { ttlSeconds: MAX_TOKEN_TTL_SECONDS + 1 } })).toEqual([
      `tokens.ttlSeconds: must be at most ${MAX_TOKEN_TTL_SECONDS} (366 days)`,
    ]);
    await createParlor({ stores, sessionSecret: SECRET, processMetrics: false, tokens: { ttlSeconds: MAX_TOKEN_TTL_SECONDS } }).close();
  });

  // Once `.min(1)`: a host could set a lifetime TOKEN_TTL_SECONDS refuses, and a 1 s token could expire before its upgrade arrived.
  it('tokens.ttlSeconds is at least MIN_TOKEN_TTL_SECONDS (30 s), as TOKEN_TTL_SECONDS', async () => {
    expect(MIN_TOKEN_TTL_SECONDS).toBe(30);
    for (const ttlSeconds of [1, 5, MIN_TOKEN_TTL_SECONDS - 1]) {
      expect(problemsOf({ stores, sessionSecret: SECRET, tokens: { ttlSeconds } })).toEqual([`tokens.ttlSeconds: must be at least ${MIN_TOKEN_TTL_SECONDS}`]);
    }
    await createParlor({ stores, sessionSecret: SECRET, processMetrics: false, tokens: { ttlSeconds: MIN_TOKEN_TTL_SECONDS } }).close();
  });

  it('tokens.audience is a string that is not empty (the mount a token is for)', async () => {
    expect(problemsOf({ stores, sessionSecret: SECRET, tokens: { audience: '' } })).toEqual(['tokens.audience: must not be empty']);
    expect(problemsOf({ stores, sessionSecret: SECRET, tokens: { audience: 7 } })).toEqual([expect.stringMatching(/^tokens/)]);
    await createParlor({ stores, sessionSecret: SECRET, processMetrics: false, tokens: { audience: 'support' } }).close();
  });

  it('where Parlor owns sessions, a missing or short secret is still an error at the door', () => {
    expect(problemsOf({ stores })).toEqual(['sessionSecret: is required while Parlor keeps its own sessions (no sessionResolver given)']);
    expect(problemsOf({ stores, sessionSecret: 'short' })).toEqual(['sessionSecret: must be at least 16 characters']);
  });

  it("trustProxy takes what Express's 'trust proxy' takes, and names a setting Express would refuse", () => {
    for (const trustProxy of [true, false, 0, 1, 2, '10.0.0.0/8', 'loopback, 10.0.0.0/8', ['loopback', '10.0.0.0/8'], (addr: string) => addr === '10.0.0.1']) {
      expect(() => checkParlorOptions({ stores, sessionSecret: SECRET, trustProxy })).not.toThrow();
    }
    expect(problemsOf({ stores, sessionSecret: SECRET, trustProxy: '10.0.0.0/99' })).toEqual([
      "trustProxy: must be proxy addresses or subnets, such as 'loopback, 10.0.0.0/8'",
    ]);
    expect(problemsOf({ stores, sessionSecret: SECRET, trustProxy: ['loopback', 'nginx'] })).toEqual([
      "trustProxy: must be proxy addresses or subnets, such as 'loopback, 10.0.0.0/8'",
    ]);
    expect(problemsOf({ stores, sessionSecret: SECRET, trustProxy: 1.5 })).toEqual(['trustProxy: must be a whole number of proxy hops (0 or more)']);
    expect(problemsOf({ stores, sessionSecret: SECRET, trustProxy: {} })).toEqual([
      "trustProxy: must be true, false, a number of proxy hops, proxy addresses (such as 'loopback, 10.0.0.0/8') or a function (addr, hop) => boolean",
    ]);
  });

  it('allowedOrigins takes http:// and https:// origins only, naming an entry without a scheme (its origin would be "null")', () => {
    expect(() => checkParlorOptions({ stores, sessionSecret: SECRET, allowedOrigins: ['https://chat.example.com', 'http://localhost:5173', 'http://[::1]:8080'] })).not.toThrow();
    expect(problemsOf({ stores, sessionSecret: SECRET, allowedOrigins: ['https://chat.example.com', 'localhost:5173', 'chat.example.com:443', 'file:///tmp/a.html'] })).toEqual([
      'allowedOrigins.1: "localhost:5173" must be an http:// or https:// origin such as https://example.com',
      'allowedOrigins.2: "chat.example.com:443" must be an http:// or https:// origin such as https://example.com',
      'allowedOrigins.3: "file:///tmp/a.html" must be an http:// or https:// origin such as https://example.com',
    ]);
  });

  it('warns when a host sessionResolver comes without a userDirectory (every recipient would be not_found), and only then', async () => {
    const warnings = (options: Partial<ParlorOptions>) => {
      const log = captureLogger();
      createParlor({ stores, tokens: false, processMetrics: false, logger: log.logger, ...options } as ParlorOptions);
      return log.lines.filter((l) => l.level === 40).map((l) => l.msg as string);
    };
    expect(warnings({ sessionResolver: hostResolver })).toEqual([expect.stringMatching(/without a userDirectory/)]);
    expect(warnings({ sessionResolver: hostResolver, userDirectory: { existing: (ids: readonly number[]) => [...ids] } })).toEqual([]);
    expect(warnings({ sessionSecret: SECRET })).toEqual([]);
  });

  it('valid options build a Parlor with both routers', () => {
    const parlor = createParlor({ stores, sessionSecret: SECRET });
    expect(typeof parlor.router).toBe('function');
    expect(typeof parlor.opsRouter).toBe('function');
  });
});
