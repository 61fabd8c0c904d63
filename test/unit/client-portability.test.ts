import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('the client bundle', () => {
  it('builds for browsers from src/client and the pure error catalog, token bucket, wire limits and timer limit alone: no node:*, ws or zod at run time', async () => {
    const result = await build({
      entryPoints: [path.join(root, 'src/client/index.ts')],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      target: 'es2022',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs).map((p) => path.relative(root, path.resolve(root, p)));
    const shared = [path.join('src', 'errors.ts'), path.join('src', 'token-bucket.ts'), path.join('src', 'wire-limits.ts'), path.join('src', 'timer-limit.ts')];
    const outside = inputs.filter((p) => !p.startsWith(`src${path.sep}client${path.sep}`) && !shared.includes(p));
    expect(outside).toEqual([]);
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(/from\s*["'](node:|ws["']|zod)/);
    expect(code).toMatch(/export \{[^}]*\bParlorClient\b/);
  });
});
