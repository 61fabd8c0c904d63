/**
 * The reference tables of the docs name what the code has, read from the
 * code itself so a new name without its row fails here:
 * - docs/operations.md "Metrics": every metric a Parlor registers (it missed
 *   the host group cache's hits and misses);
 * - docs/client.md "Events": every server frame type (it missed `refreshed`)
 *   and every connection event;
 * - docs/scaling.md's list of a Broker's optional methods (it missed
 *   `setResubscribedHandler` and `rateLimitStore`);
 * - README's environment table: the minimum of each variable that has one
 *   above 1 (TOKEN_TTL_SECONDS and five others were missing);
 * - docs/protocol.md "answer before the upgrade": every status the upgrade
 *   answers with (it missed 429 `rate_limited`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createParlor } from '../../src/app.js';
import { EnvSchema } from '../../src/config.js';
import { openSqliteStores } from '../../src/store/sqlite/index.js';
import { MIN_FRAME_BYTES } from '../../src/wire-limits.js';
import { mockGroupMemberFetcher, mockUserDirectory } from '../support/mocks.js';

const ROOT = join(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** The body of `export interface <name> {` in `source`, up to its closing brace at the start of a line. */
function interfaceBody(source: string, name: string): string {
  const start = source.indexOf(`export interface ${name} {`);
  expect(start, `interface ${name}`).toBeGreaterThanOrEqual(0);
  return source.slice(start, source.indexOf('\n}\n', start));
}

/** The table of `markdown` whose header row starts with `| <firstHeader> |`, rows only. */
function table(markdown: string, firstHeader: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`| ${firstHeader} |`));
  expect(start, `a table headed "${firstHeader}"`).toBeGreaterThanOrEqual(0);
  const rows: string[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line);
  }
  return rows;
}

const stores = openSqliteStores({ path: ':memory:', sessionPruneIntervalMs: 0 });
afterAll(() => stores.close());

it('docs/operations.md lists every metric a Parlor registers, the host group cache ones included', async () => {
  const parlor = createParlor({
    stores,
    sessionResolver: { resolve: () => null },
    userDirectory: mockUserDirectory([1]),
    groupMemberFetcher: mockGroupMemberFetcher(),
    tokens: false,
    processMetrics: false,
  });
  const names = (await parlor.metrics.getMetricsAsJSON()).map((m) => m.name);
  await parlor.close();
  expect(names).toContain('parlor_host_group_cache_hits_total');
  const metricsTable = table(read('docs/operations.md'), 'metric').join('\n');
  expect(names.filter((n) => !metricsTable.includes(`\`${n}\``) && !metricsTable.includes(`\`${n}{`))).toEqual([]);
});

it('docs/client.md has an Events row for every server frame type and every connection event', () => {
  const frames = [...interfaceBody(read('src/websocket/protocol.ts'), 'ServerFrames').matchAll(/^ {2}(\w+):/gm)].map((m) => m[1]!);
  const connection = [...interfaceBody(read('src/client/events.ts'), 'ConnectionEvents').matchAll(/^ {2}(\w+):/gm)].map((m) => m[1]!);
  expect(frames).toContain('refreshed');
  expect(connection).toContain('closed');
  const client = read('docs/client.md');
  const rows = [...table(client, 'event | payload'), ...table(client, 'event | payload | when')];
  const documented = new Set(rows.map((r) => /^\| `(\w+)` \|/.exec(r)?.[1]));
  expect([...frames, ...connection].filter((e) => !documented.has(e))).toEqual([]);
});

it("docs/scaling.md names every optional method of a Broker", () => {
  const methods = [...interfaceBody(read('src/websocket/broker.ts'), 'Broker').matchAll(/^ {2}(\w+)\?\(/gm)].map((m) => m[1]!);
  expect(methods).toEqual(expect.arrayContaining(['setResubscribedHandler', 'rateLimitStore']));
  const scaling = read('docs/scaling.md');
  const list = scaling.slice(scaling.indexOf('Writing another broker'), scaling.indexOf('\n## ', scaling.indexOf('Writing another broker')));
  expect(methods.filter((m) => !list.includes(`\`${m}(`))).toEqual([]);
});

/** The smallest value the variable takes (its default is valid, so search below it). */
function minimumOf(schema: (typeof EnvSchema.shape)[keyof typeof EnvSchema.shape]): number | undefined {
  const fallback = schema.safeParse(undefined);
  if (!fallback.success || typeof fallback.data !== 'number' || schema.safeParse('0').success) return undefined;
  let [low, high] = [0, fallback.data]; // low fails, high passes
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (schema.safeParse(String(mid)).success) high = mid;
    else low = mid;
  }
  return high;
}

it("README's environment table gives each variable's minimum (those above 1), as config.ts checks it", () => {
  const rows = table(read('README.md'), 'variable | default');
  const minimums = Object.entries(EnvSchema.shape)
    .map(([name, schema]) => [name, minimumOf(schema)] as const)
    .filter((e): e is readonly [string, number] => e[1] !== undefined && e[1] > 1);
  expect(minimums).toEqual(expect.arrayContaining([['TOKEN_TTL_SECONDS', 30], ['MAX_FRAME_BYTES', MIN_FRAME_BYTES], ['PRESENCE_SWEEP_MS', 50]]));
  const missing = minimums.filter(([name, min]) => !rows.find((r) => r.startsWith(`| \`${name}\``))?.match(new RegExp(`≥ ${min}(?!\\d)`)));
  expect(missing).toEqual([]);
});

it('docs/protocol.md "answer before the upgrade" has every status and code the upgrade answers with', () => {
  const answers = [...read('src/websocket/upgrade.ts').matchAll(/abort\(socket, (\d{3}), '(\w+)'/g)].map((m) => `HTTP ${m[1]} {"error":"${m[2]}"}`);
  expect(answers).toContain('HTTP 429 {"error":"rate_limited"}');
  const rows = table(read('docs/protocol.md'), 'answer before the upgrade').join('\n');
  expect([...new Set(answers)].filter((a) => !rows.includes(`| ${a.replace(/^(HTTP \d+) (.*)$/, '$1 `$2`')}`))).toEqual([]);
});
