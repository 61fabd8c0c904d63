/**
 * README "Configuration": "Any bad value stops the start with the variable's
 * name, before the database or Redis is opened." A DATABASE_URL whose
 * password holds an unescaped `/` or `#` (common in generated passwords)
 * once passed EnvSchema's regex; the database was then opened, and the start
 * failed with pg's bare `TypeError: Invalid URL`, naming no variable. It is
 * now checked with pg's own parser, and the message never repeats the value.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { closeAll, startTestServer } from '../support/server.js';

describe('DATABASE_URL that no URL parser reads', () => {
  it.each([
    ['a slash', 'postgres://postgres:Zq9/hunter2@127.0.0.1:5432/test'],
    ['a hash', 'postgres://postgres:Zq9#hunter2@127.0.0.1:5432/test'],
  ])('a password with %s: the start is refused naming DATABASE_URL, without the password', { timeout: 20_000 }, async (_what, url) => {
    const thrown = await startTestServer({ DATABASE_URL: url }).then(
      () => undefined,
      (err: unknown) => err,
    );
    await closeAll();
    // What src/server.ts logs: a ConfigError's message (one fatal line naming the variable), anything else as `err`.
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toContain('DATABASE_URL');
    expect((thrown as Error).message).not.toContain('hunter2');
  });
});
