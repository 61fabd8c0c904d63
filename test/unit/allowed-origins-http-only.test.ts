/**
 * Mutant O1 (src/parlor-options.ts, isHttpOrigin): the scheme check dropped
 * (`return url.origin !== 'null'`) survives test/unit/config.test.ts and test/unit/parlor-options.test.ts:
 * every entry they refuse (`localhost:5173`, `chat.example.com:443`, `file:///...`) has the origin
 * "null" anyway. README.md (ALLOWED_ORIGINS): "each an `http://` or `https://` origin such as
 * `https://app.example`"; the commit: "ALLOWED_ORIGINS and allowedOrigins take http(s) origins only".
 * A `ws://` or `ftp://` URL has a real origin, so only the scheme check refuses it.
 * Passes on the current code; fails on the mutant.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { Origin } from '../../src/parlor-options.js';

describe('ALLOWED_ORIGINS / allowedOrigins: http(s) origins only, whatever other scheme has an origin', () => {
  it('refuses ws://, wss:// and ftp:// origins, naming the entry', () => {
    for (const entry of ['ws://chat.example.com', 'wss://chat.example.com', 'ftp://files.example.com']) {
      expect(Origin.safeParse(entry).success, entry).toBe(false);
      expect(() => loadConfig({ ALLOWED_ORIGINS: `https://a.example, ${entry}` }), entry).toThrow(
        `ALLOWED_ORIGINS: ${JSON.stringify(entry)} must be an http:// or https:// origin such as https://example.com`,
      );
    }
    expect(Origin.safeParse('https://chat.example.com').success).toBe(true);
  });
});
