/** Groups and their member lists, read over HTTP (membership changes are not replayed by `sync`). */
import { api } from './api.js';
import type { ChatApp } from './chat-app.js';

export async function refreshGroups(app: ChatApp): Promise<void> {
  const before = new Set([...app.state.groups.values()].filter((g) => g.status === 'accepted').map((g) => g.id));
  app.state.setGroups((await api.groups()).groups);
  await Promise.all(
    [...app.state.groups.values()].filter((g) => !app.state.members.has(g.id) || (g.status === 'accepted' && !before.has(g.id))).map((g) => loadMembers(app, g.id)),
  );
  app.render();
}

export async function loadMembers(app: ChatApp, groupId: number): Promise<void> {
  try {
    app.state.setMembers(groupId, (await api.members(groupId)).members);
    app.render();
  } catch {
    // Declined meanwhile, or offline: the list stays as it was.
  }
}
