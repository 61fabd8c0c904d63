/**
 * docs/tokens.md's "Tokens for a host app's users" snippet type-checks in
 * the host the README's "Use it inside your Express app" snippet builds
 * (`declare module 'express-session' { interface SessionData { accountId:
 * number } }`, strict mode), with only the host's own free names declared.
 *
 * Its "With the client SDK" snippet (a Node client with `getToken`) type-checks
 * against `parlor/client` too: it used to return `Response.json()`
 * (`Promise<unknown>`, no `GetToken`) of a relative URL, which Node's fetch
 * cannot resolve.
 *
 * It used to pass `req.session.accountId` to `parlor.tokens.issue` and
 * `revokeAll`: `req.session` is `Session & Partial<SessionData>`, so that is
 * `number | undefined`, and the snippet did not compile.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { typeErrorsIn } from '../support/type-check.js';

const ROOT = join(import.meta.dirname, '../..');
const VIRTUAL = join(ROOT, 'test/unit/__docs_snippet__.ts');

function tsBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m) => m[1]!);
}

/** The README's host snippet and its policy/events snippet, completed only with the host's own free names. */
function readmeSource(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const blocks = tsBlocks(readme);
  const host = blocks.find((b) => b.includes('expressSessionResolver(hostSession'))!;
  const policy = blocks.find((b) => b.includes('messagePolicy: {') && b.includes('parlor.events.on'))!;
  expect(host).toBeDefined();
  expect(policy).toBeDefined();
  const policyLines = policy.split('\n');
  const start = policyLines.findIndex((l) => l.includes('messagePolicy: {'));
  const end = policyLines.findIndex((l, i) => i > start && l.startsWith('});'));
  return [
    `import http from 'node:http';`,
    `import connectPgSimple from 'connect-pg-simple';`,
    `import pg from 'pg';`,
    `import type { RequestHandler } from 'express';`,
    `declare const secret: string;`,
    `declare const pool: pg.Pool;`,
    `declare const requireAdmin: RequestHandler;`,
    `declare const requireLogin: RequestHandler;`,
    `declare function isNewAccount(id: number): boolean;`,
    `declare function censor(content: string): string;`,
    `declare function pushTo(userIds: number[], message: unknown): void;`,
    host.replace(/from 'parlor'/g, `from '../../src/index.js'`).replace(/^const hostSession/m, 'const PgStore = connectPgSimple(session);\nconst hostSession'),
    `const withPolicy = createParlor({ stores, sessionResolver: expressSessionResolver(hostSession, (s) => s.accountId), tokens: false,`,
    ...policyLines.slice(start, end),
    `});`,
    ...policyLines.filter((l) => l.startsWith('parlor.events.on')).map((l) => l.replace('parlor.events', 'withPolicy.events')),
  ].join('\n');
}

it("docs/tokens.md's host snippet (tokens for a host app's users) type-checks in that host", () => {
  const readme = readmeSource();
  const tokens = tsBlocks(readFileSync(join(ROOT, 'docs/tokens.md'), 'utf8')).find((b) => b.includes('parlor.tokens.issue('))!;
  expect(tokens).toBeDefined();
  expect(typeErrorsIn(`${readme}\n${tokens}\nexport {};`, VIRTUAL, readme.split('\n').length + 1)).toEqual([]);
}, 120_000);

it('docs/tokens.md "With the client SDK" snippet (a Node client) type-checks against parlor/client, and fetches an absolute URL', () => {
  const blocks = tsBlocks(readFileSync(join(ROOT, 'docs/tokens.md'), 'utf8')).filter((b) => b.includes("url: 'wss://chat.example.com/ws'"));
  expect(blocks).toHaveLength(1);
  const snippet = blocks[0]!;
  // Node's fetch has no page to resolve a relative URL against: it throws "Failed to parse URL".
  for (const [, url] of snippet.matchAll(/fetch\(\s*'([^']*)'/g)) expect(() => new URL(url!)).not.toThrow();
  expect(snippet).toMatch(/fetch\(/);
  // Response.json() is Promise<unknown>: getToken must say what it resolves to.
  const source = snippet.replace(/from 'parlor\/client'/g, `from '../../src/client/index.js'`);
  expect(typeErrorsIn(`${source}\nexport {};`, join(ROOT, 'test/unit/__docs_client_snippet__.ts'))).toEqual([]);
}, 120_000);
