import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoPage, startDemoPageServer } from '../support/demo-page-server.js';
import { closeAll, startTestServer, type TestServer } from '../support/server.js';

/** Issue 15, finding 5: the demo was served without helmet's headers and with its source map. */
describe('the demo page (npm start)', () => {
  let server: TestServer;
  let publicDir: string;
  beforeAll(async () => {
    const started = await startDemoPageServer();
    server = started;
    publicDir = started.publicDir;
  }, 60_000);
  afterAll(closeAll);

  it('is built without a source map', () => {
    expect(readdirSync(publicDir).sort()).toEqual(['app.js', 'index.html', 'style.css']);
    expect(readFileSync(join(publicDir, 'app.js'), 'utf8')).not.toContain('sourceMappingURL');
  });

  it('is served with helmet headers: a CSP of its own origin that forbids framing', async () => {
    const res = await server.http.get('/').expect(200).expect('content-type', /html/);
    const csp = res.headers['content-security-policy'];
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const script = await server.http.get('/app.js').expect(200);
    expect(script.headers['content-security-policy']).toBe(csp);
  });

  it('never serves a source map, even one an older build left behind', async () => {
    const stale = await buildDemoPage();
    writeFileSync(join(stale, 'app.js.map'), '{"version":3,"sources":["demo/main.ts"]}');
    const old = await startTestServer({}, { publicDir: stale });
    await old.http.get('/app.js').expect(200);
    const res = await old.http.get('/app.js.map').expect(404);
    expect(res.text).not.toContain('demo/main.ts');
  });

  it('leaves the API its own headers and answers', async () => {
    const res = await server.http.get('/api/auth/me').expect(401);
    expect(res.body.error).toBe('unauthorized');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
  });
});
