/** Groups and their member lists, read over HTTP (membership changes are not replayed by `sync`). */
import { api } from './api.js';
import type { PageContext } from './context.js';

export async function refreshGroups(page: PageContext): Promise<void> {
  const before = new Set([...page.state.groups.values()].filter((g) => g.status === 'accepted').map((g) => g.id));
  page.state.setGroups((await api.groups()).groups);
  await Promise.all(
    [...page.state.groups.values()].filter((g) => !page.state.members.has(g.id) || (g.status === 'accepted' && !before.has(g.id))).map((g) => loadMembers(page, g.id)),
  );
  page.render();
}

export async function loadMembers(page: PageContext, groupId: number): Promise<void> {
  try {
    page.state.setMembers(groupId, (await api.members(groupId)).members);
    page.render();
  } catch {
    // Declined meanwhile, or offline: the list stays as it was.
  }
}
