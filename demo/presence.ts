/**
 * Who is online: the list read from `GET /api/users/online`, kept current by
 * `presence` frames (changes only) and re-read every 30 s to catch new
 * contacts; and the presence dot the sidebar and member list draw.
 */
import type { ServerFrame } from '../src/client/index.js';
import { api } from './api.js';
import type { ChatApp } from './chat-app.js';
import { h } from './dom.js';
import { loadMembers } from './groups.js';

/** Presence frames describe changes only; the online list is re-read this often to catch new contacts. */
const ONLINE_REFRESH_MS = 30_000;

export function onPresence(app: ChatApp, { user_id, online }: ServerFrame<'presence'>): void {
  if (online) app.state.online.add(user_id);
  else app.state.online.delete(user_id);
  app.render();
}

export async function refreshOnline(app: ChatApp): Promise<void> {
  try {
    const { users } = await api.online();
    const online = app.state.online;
    online.clear();
    for (const id of users) online.add(id);
    app.render();
  } catch {
    // Presence frames keep it roughly right until the next refresh.
  }
}

export function scheduleOnlineRefresh(app: ChatApp): void {
  clearTimeout(app.onlineTimer);
  app.onlineTimer = setTimeout(async () => {
    if (app.client.state === 'open' && document.visibilityState === 'visible') {
      await refreshOnline(app);
      const active = app.activeConversation();
      if (active?.kind === 'group') await loadMembers(app, active.targetId);
    }
    scheduleOnlineRefresh(app);
  }, ONLINE_REFRESH_MS);
}

export function presenceDot(online: boolean): HTMLElement {
  return h(
    'span',
    { class: `dot ${online ? 'online' : 'offline'}` },
    h('span', { class: 'sr-only', text: online ? 'online: ' : 'offline: ' }),
  );
}
