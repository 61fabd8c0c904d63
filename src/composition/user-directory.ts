import type { ParlorOptions } from '../app.js';
import { accountDirectory, withAccountProfiles } from '../store/account-directory.js';
import type { UserDirectory } from '../websocket/user-directory.js';
import { hostUserDirectory, preparedForManager } from './host-interfaces.js';

/** Who exists and their names: the host's directory (ids as numbers, guarded, names from Parlor's accounts when it has none), else Parlor's own accounts. */
export function buildUserDirectory(options: ParlorOptions): UserDirectory {
  return preparedForManager(
    options.userDirectory ? withAccountProfiles(hostUserDirectory(options.userDirectory), options.stores.users) : accountDirectory(options.stores.users),
  );
}
