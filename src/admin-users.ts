import type { Logger } from './logger.js';
import type { UserStore } from './store/types.js';

/** The names of `ADMIN_USERS` that no account holds yet. */
async function unregisteredAdmins(users: UserStore, admins: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const name of admins) if (!(await users.findByUsername(name))) missing.push(name);
  return missing;
}

/**
 * Admin rights follow the username, so an `ADMIN_USERS` name nobody holds yet
 * goes to whoever registers it first: say so at start, loudly.
 */
export async function warnAboutUnregisteredAdmins(users: UserStore, admins: readonly string[], log: Logger): Promise<void> {
  const missing = await unregisteredAdmins(users, admins);
  if (missing.length === 0) return;
  log.warn(
    { admins: missing },
    `ADMIN_USERS not registered yet: ${missing.join(', ')}. Whoever registers such a name first becomes an admin; register admins before listing them`,
  );
}
