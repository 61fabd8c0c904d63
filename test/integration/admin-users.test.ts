import { afterAll, describe, expect, it } from 'vitest';
import { captureLogger, closeAll, registerUser, startTestServer, stopTestServer, tempDir } from '../support/server.js';

/** Issue 15, finding 5: an ADMIN_USERS name nobody holds goes to whoever registers it first. */
describe('ADMIN_USERS at start', () => {
  afterAll(closeAll);

  it('warns about the configured admins that are not registered yet, and only those', async () => {
    const dir = tempDir();
    const first = await startTestServer({}, { dir });
    await registerUser(first, 'root_admin');
    await stopTestServer(first);

    const { logger, lines } = captureLogger();
    await startTestServer({ ADMIN_USERS: 'Root_Admin, ghost_admin' }, { dir, logger });
    const warnings = lines.filter((l) => l.msg.startsWith('ADMIN_USERS not registered yet'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, admins: ['ghost_admin'] });
    expect(warnings[0]!.msg).toContain('register admins before listing them');
  });

  it('says nothing when every admin exists (or none is configured)', async () => {
    const { logger, lines } = captureLogger();
    await startTestServer({}, { logger });
    expect(lines.some((l) => String(l.msg).startsWith('ADMIN_USERS'))).toBe(false);
  });
});
