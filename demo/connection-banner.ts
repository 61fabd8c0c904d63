/**
 * The connection banner, driven by the client's events (*Connecting…*,
 * *Reconnecting in N s…*, *You are offline…*, *Paused…*, *Disconnected* with
 * *Reconnect now*), the same state as `#chat-screen[data-connection]`, and
 * what the page reads again after a reconnect.
 */
import { api } from './api.js';
import { announce } from './announcer.js';
import type { ChatApp } from './chat-app.js';
import { byId } from './dom.js';
import { refreshGroups } from './groups.js';
import { refreshOnline } from './presence.js';
import { checkSession, signedOut } from './session.js';

export function listenToConnection(app: ChatApp): void {
  const c = app.client;
  // The connection state as an attribute too, for styles and tests: idle, connecting, open, reconnecting, closed.
  for (const event of ['connecting', 'open', 'reconnecting', 'closed'] as const) {
    c.on(event, () => (byId('chat-screen').dataset.connection = c.state));
  }
  c.on('connecting', ({ attempt }) => {
    if (!app.everOpened && attempt === 0) banner(app, 'Connecting…', 'info');
  });
  c.on('open', ({ reconnected }) => {
    app.everOpened = true;
    banner(app, null);
    if (reconnected) {
      announce('Reconnected.');
      void refreshAfterReconnect(app);
    } else {
      void refreshOnline(app); // presence frames from now on; the list read at boot may be stale already
    }
  });
  c.on('reconnecting', ({ delayMs, waitingFor, attempt }) => {
    if (waitingFor === 'offline') banner(app, 'You are offline. Messages you send now go out when the connection is back.', 'warn');
    else if (waitingFor === 'hidden') banner(app, 'Paused while this tab is in the background.', 'info');
    else banner(app, `Connection lost. Reconnecting${delayMs >= 1000 ? ` in ${Math.round(delayMs / 1000)} s` : ''}…`, 'warn');
    // Browsers hide a 401 on the upgrade: after a few failures, check whether the session ended.
    if (attempt >= 3 && !waitingFor) void checkSession();
  });
  c.on('closed', ({ error }) => {
    if (error?.code === 'logged_out' || error?.code === 'unauthorized') return signedOut();
    banner(app, `Disconnected${error ? `: ${error.message}` : ''}.`, 'error', true);
  });
}

/** Notifications, groups and presence are not replayed by `sync`: read them again. */
async function refreshAfterReconnect(app: ChatApp): Promise<void> {
  try {
    const notifications = await api.notifications();
    app.state.notifications = notifications.notifications;
    app.state.unreadNotifications = byId('notifications-panel').hidden ? notifications.unread : 0;
    await refreshGroups(app);
    await refreshOnline(app);
  } catch {
    // The next reconnect or refresh tries again.
  }
}

export function banner(app: ChatApp, text: string | null, kind: 'info' | 'warn' | 'error' = 'info', offerReconnect = false): void {
  const el = byId('banner');
  el.hidden = text === null;
  el.dataset.kind = kind;
  if (text === null) {
    el.replaceChildren();
    return;
  }
  el.replaceChildren(text);
  if (offerReconnect) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'link-button';
    button.textContent = 'Reconnect now';
    button.addEventListener('click', () => void app.client.connect().catch(() => {}));
    el.append(' ', button);
  }
}
