/**
 * docs/tokens.md's "Tokens for a host app's users" snippet type-checks in
 * the host the README's "Use it inside your Express app" snippet builds
 * (`declare module 'express-session' { interface SessionData { accountId:
 * number } }`, strict mode), with only the host's own free names declared.
 *
 * It used to pass `req.session.accountId` to `parlor.tokens.issue` and
 * `revokeAll`: `req.session` is `Session & Partial<SessionData>`, so that is
 * `number | undefined`, and the snippet did not compile.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { expect, it } from 'vitest';

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

/** Type errors in `source` (a module beside this file) at or after line `from` (1-based). */
function typeErrors(source: string, from = 1): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
  const options: ts.CompilerOptions = { ...config.options, noEmit: true, noUnusedLocals: false };
  const base = ts.createCompilerHost(options);
  const compilerHost: ts.CompilerHost = {
    ...base,
    fileExists: (f) => f === VIRTUAL || base.fileExists(f),
    readFile: (f) => (f === VIRTUAL ? source : base.readFile(f)),
    getSourceFile: (f, lang, onError, create) => (f === VIRTUAL ? ts.createSourceFile(f, source, lang, true) : base.getSourceFile(f, lang, onError, create)),
  };
  const program = ts.createProgram([VIRTUAL], options, compilerHost);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName === VIRTUAL)
    .map((d) => ({ line: d.file!.getLineAndCharacterOfPosition(d.start ?? 0).line, text: ts.flattenDiagnosticMessageText(d.messageText, '\n') }))
    .filter((d) => d.line + 1 >= from)
    .map((d) => `${d.line + 1}: ${d.text} -- ${source.split('\n')[d.line]?.trim()}`);
}

it("docs/tokens.md's host snippet (tokens for a host app's users) type-checks in that host", () => {
  const readme = readmeSource();
  const tokens = tsBlocks(readFileSync(join(ROOT, 'docs/tokens.md'), 'utf8')).find((b) => b.includes('parlor.tokens.issue('))!;
  expect(tokens).toBeDefined();
  expect(typeErrors(`${readme}\n${tokens}\nexport {};`, readme.split('\n').length + 1)).toEqual([]);
}, 120_000);
