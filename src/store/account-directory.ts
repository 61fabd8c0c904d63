/**
 * Parlor's own accounts as the UserDirectory: what stands in when the host
 * brings none (standalone, or a host that lets Parlor keep accounts).
 */
import type { Profile, UserDirectory } from '../websocket/user-directory.js';
import type { UserStore } from './types.js';

export function accountDirectory(users: UserStore): Required<UserDirectory> {
  // One statement for any number of ids (a member list of thousands), not one lookup per id.
  const profiles = async (ids: readonly number[]): Promise<Profile[]> =>
    (await users.findByIds(ids)).map((u) => ({ id: u.id, username: u.username }));
  return {
    profiles,
    async existing(ids) {
      return (await profiles(ids)).map((p) => p.id);
    },
  };
}

/**
 * The host's directory, with names from Parlor's own accounts when it has no
 * `profiles` (contract: "from `profiles`, else Parlor's own accounts").
 */
export function withAccountProfiles(directory: UserDirectory, users: UserStore): UserDirectory {
  if (directory.profiles) return directory;
  const accounts = accountDirectory(users);
  return { existing: (ids) => directory.existing(ids), profiles: accounts.profiles };
}
