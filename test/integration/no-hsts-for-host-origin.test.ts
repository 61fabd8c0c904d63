/**
 * Parlor's routes send no Strict-Transport-Security. They ran helmet() with
 * its defaults, so every answer of `parlor.router` carried
 * `max-age=31536000; includeSubDomains`. HSTS is not scoped to a path: one
 * chat API answer over HTTPS bound the host's whole origin, and every
 * subdomain, to HTTPS for a year. That is the host's decision (README: Parlor
 * answers only its own routes; a module sets no domain-wide policy).
 */
import { expect, it } from 'vitest';
import { useSqliteHostApp } from '../support/host-app.js';

const app = useSqliteHostApp({ userDirectory: { existing: (ids) => [...ids] } });

it("a Parlor answer sets no Strict-Transport-Security for the host's whole domain", async () => {
  const res = await app.host.http.get('/api/users/online').set(app.host.as(1)).expect(200);
  expect(res.headers['strict-transport-security']).toBeUndefined();
});
