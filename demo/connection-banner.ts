/**
 * The connection banner, driven by the client's events (*Connecting…*,
 * *Reconnecting in N s…*, *You are offline…*, *Paused…*, *Disconnected* with
 * *Reconnect now*), the same state as `#chat-screen[data-connection]`, and
 * what the page reads again after a reconnect (and after its `synced`).
 */
import { api } from './api.js';
import { announce } from './announcer.js';
import type { ParlorClient } from '../src/client/index.js';
import type { ChatContext, PageContext } from './context.js';
import { byId } from './dom.js';
import { refreshGroups } from './groups.js';
import { refreshOnline } from './presence.js';
import { refreshUnreadCounts } from './read-receipts.js';
import { checkSession, signedOut } from './session.js';

export function listenToConnection(ctx: ChatContext): void {
  const c = ctx.client;
  /** Whether this page was ever connected: only the very first attempt says *Connecting…*. */
  let everOpened = false;
  // The connection state as an attribute too, for styles and tests: idle, connecting, open, reconnecting, closed.
  for (const event of ['connecting', 'open', 'reconnecting', 'closed'] as const) {
    c.on(event, () => (byId('chat-screen').dataset.connection = c.state));
  }
  c.on('connecting', ({ attempt }) => {
    if (!everOpened && attempt === 0) banner(c, 'Connecting…', 'info');
  });
  /** A reconnect's sync is under way: its `synced` makes the unread counts be read again. */
  let resyncing = false;
  c.on('open', ({ reconnected }) => {
    everOpened = true;
    banner(c, null);
    if (reconnected) {
      announce('Reconnected.');
      resyncing = true;
      void refreshAfterReconnect(ctx);
    } else {
      void refreshOnline(ctx); // presence frames from now on; the list read at boot may be stale already
    }
  });
  c.on('synced', () => {
    if (!resyncing) return;
    resyncing = false;
    refreshUnreadCounts(ctx).catch(() => {
      // Offline again: the next reconnect reads them.
    });
  });
  c.on('reconnecting', ({ delayMs, waitingFor, attempt }) => {
    if (waitingFor === 'offline') banner(c, 'You are offline. Messages you send now go out when the connection is back.', 'warn');
    else if (waitingFor === 'hidden') banner(c, 'Paused while this tab is in the background.', 'info');
    else banner(c, `Connection lost. Reconnecting${delayMs >= 1000 ? ` in ${Math.round(delayMs / 1000)} s` : ''}…`, 'warn');
    // Browsers hide a 401 on the upgrade: after a few failures, check whether the session ended.
    if (attempt >= 3 && !waitingFor) void checkSession();
  });
  c.on('closed', ({ error }) => {
    if (error?.code === 'logged_out' || error?.code === 'unauthorized') return signedOut();
    banner(c, `Disconnected${error ? `: ${error.message}` : ''}.`, 'error', true);
  });
}

/** Notifications, groups and presence are not replayed by `sync`: read them again. */
async function refreshAfterReconnect(page: PageContext): Promise<void> {
  try {
    const notifications = await api.notifications();
    page.state.notifications = notifications.notifications;
    page.state.unreadNotifications = byId('notifications-panel').hidden ? notifications.unread : 0;
    // Any member list may have changed while offline (invitations accepted, members gone).
    await refreshGroups(page, { everyMemberList: true });
    await refreshOnline(page);
  } catch {
    // The next reconnect or refresh tries again.
  }
}

/** Show `text` in the banner (null hides it); `offerReconnect` adds *Reconnect now*. */
function banner(client: ParlorClient, text: string | null, kind: 'info' | 'warn' | 'error' = 'info', offerReconnect = false): void {
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
    button.addEventListener('click', () => void client.connect().catch(() => {}));
    el.append(' ', button);
  }
}
