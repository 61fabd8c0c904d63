/** A host's groups in a test: its group tables as a GroupMemberFetcher that counts its calls. */
import { vi } from 'vitest';
import type { GroupMemberFetcher } from '../../src/websocket/group-member-fetcher.js';

/** The host's group_members table as a GroupMemberFetcher counting its calls; `failing` makes every call throw. */
export function hostGroups(tables: Map<number, { name: string; members: number[] }>) {
  const state = { failing: false };
  const check = () => {
    if (state.failing) throw new Error('host group database unreachable');
  };
  const fetcher = {
    state,
    acceptedMembers: vi.fn(async (groupId: number) => (check(), tables.get(groupId)?.members ?? null)),
    contactsOf: vi.fn(async (userId: number) => {
      check();
      const all = [...tables.values()].filter((g) => g.members.includes(userId)).flatMap((g) => g.members);
      return [...new Set(all)].filter((id) => id !== userId);
    }),
    groupsOf: vi.fn(async (userId: number) => {
      check();
      return [...tables].filter(([, g]) => g.members.includes(userId)).map(([id, g]) => ({ id, name: g.name, status: 'accepted' as const }));
    }),
    members: vi.fn(async (groupId: number) => (check(), (tables.get(groupId)?.members ?? []).map((id) => ({ id, status: 'accepted' as const })))),
  } satisfies Required<GroupMemberFetcher> & { state: { failing: boolean } };
  return fetcher;
}
