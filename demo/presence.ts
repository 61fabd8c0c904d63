/**
 * Who is online: the list read from `GET /api/users/online`, kept current by
 * `presence` frames (changes, including contacts made and ended, after which
 * the member lists concerned are read again) and re-read every 30 s as a
 * safety net (a frame dropped for a slow socket, a Redis gap);
 * and the presence dot the sidebar and member list draw.
 */
import type { ServerFrame } from '../src/client/index.js';
import { api } from './api.js';
import type { ChatContext, PageContext } from './context.js';
import { h } from './dom.js';
import { followLostContact, followNewContact, loadMembers } from './groups.js';

/** Presence frames describe changes only; the online list is re-read this often in case one was missed. */
const ONLINE_REFRESH_MS = 30_000;

/**
 * A contact came online or went offline. The server also sends these when a
 * contact is made or ended (contract section 6), and most contacts come
 * from member lists: an unknown user coming online means a membership
 * changed somewhere; a group contact going offline may have left a group we
 * share. Either way the lists concerned are read again.
 */
export function onPresence(page: PageContext, { user_id, online }: ServerFrame<'presence'>): void {
  const { state } = page;
  lastFrameOf.set(user_id, ++framesSeen);
  if (online) state.online.add(user_id);
  else state.online.delete(user_id);
  if (online && !state.isContact(user_id)) followNewContact(page, user_id);
  // A conversation we both wrote in keeps them a contact whatever the groups say.
  else if (!online && !state.writtenByBoth(user_id)) followLostContact(page, user_id);
  page.render();
}

/** Presence frames seen so far, and the number of the last one for each user: what a list read may not undo. */
let framesSeen = 0;
const lastFrameOf = new Map<number, number>();

/**
 * Read the online list again. A user with a presence frame newer than the
 * start of the read keeps what that frame said: the list may have been read
 * before it.
 */
export async function refreshOnline(page: PageContext): Promise<void> {
  const startedAfter = framesSeen;
  try {
    const listed = new Set((await api.online()).users);
    const online = page.state.online;
    for (const id of new Set([...online, ...listed])) {
      if ((lastFrameOf.get(id) ?? 0) > startedAfter) continue;
      if (listed.has(id)) online.add(id);
      else online.delete(id);
    }
    page.render();
  } catch {
    // Presence frames keep it roughly right until the next refresh.
  }
}

/** Re-read the online list (and the open group's members) every 30 s while connected and visible, for the page's life. */
export function refreshOnlinePeriodically(ctx: ChatContext): void {
  setTimeout(async () => {
    if (ctx.client.state === 'open' && document.visibilityState === 'visible') {
      await refreshOnline(ctx);
      const active = ctx.state.activeConversation();
      if (active?.kind === 'group') await loadMembers(ctx, active.targetId);
    }
    refreshOnlinePeriodically(ctx);
  }, ONLINE_REFRESH_MS);
}

export function presenceDot(online: boolean): HTMLElement {
  return h(
    'span',
    { class: `dot ${online ? 'online' : 'offline'}` },
    h('span', { class: 'sr-only', text: online ? 'online: ' : 'offline: ' }),
  );
}
