/**
 * Groups and their member lists, read over HTTP (membership changes are not
 * replayed by `sync`), a few at a time through the bulk read queue. They make
 * most of the contacts, so they are read again when presence says a contact
 * was made or may have ended.
 */
import { api } from './api.js';
import type { PageContext } from './context.js';
import { bulkReads } from './read-queue.js';

/** Presence frames come in bursts (a contact made is told to both sides, a block ends several): one re-read for each burst. */
const MEMBERSHIP_SETTLE_MS = 300;

/**
 * Reads the groups again, and the member lists of the new ones (or newly
 * accepted); with `everyMemberList`, those of every accepted group too (a
 * member may have joined or left any of them).
 */
export async function refreshGroups(page: PageContext, { everyMemberList = false } = {}): Promise<void> {
  const { state } = page;
  const before = new Set([...state.groups.values()].filter((g) => g.status === 'accepted').map((g) => g.id));
  state.setGroups((await api.groups()).groups);
  const stale = [...state.groups.values()].filter(
    (g) => !state.members.has(g.id) || (g.status === 'accepted' && (everyMemberList || !before.has(g.id))),
  );
  await Promise.all(stale.map((g) => loadMembers(page, g.id)));
  page.render();
}

/**
 * Someone I did not know as a contact came online: they joined a group of
 * mine. Most often they accepted an invitation the page has seen, so only
 * the member lists that show them invited are read again. Otherwise (someone
 * else invited them, or I joined in another tab) the groups and every
 * member list are, once for a burst of such frames.
 */
export function followNewContact(page: PageContext, userId: number): void {
  const invitedTo = page.state.groupsListing(userId, 'invited');
  if (invitedTo.length === 0) return refreshMembershipSoon(page);
  for (const groupId of invitedTo) void loadMembers(page, groupId);
}

let membershipRefreshQueued = false;

function refreshMembershipSoon(page: PageContext): void {
  if (membershipRefreshQueued) return;
  membershipRefreshQueued = true;
  setTimeout(() => {
    membershipRefreshQueued = false;
    refreshGroups(page, { everyMemberList: true }).catch(() => {
      // Offline meanwhile: the next presence change, reconnect or 30 s refresh tries again.
    });
  }, MEMBERSHIP_SETTLE_MS);
}

/** A contact met in groups went offline, or may have left one: the member lists we share are read again. */
export function followLostContact(page: PageContext, userId: number): void {
  for (const groupId of page.state.groupsListing(userId, 'accepted')) void loadMembers(page, groupId);
}

/** Member lists waiting in the queue, by group: asking again before the read starts joins it. */
const queuedMembers = new Map<number, Promise<void>>();

export function loadMembers(page: PageContext, groupId: number): Promise<void> {
  const queued = queuedMembers.get(groupId);
  if (queued) return queued;
  const read = bulkReads
    .run(() => {
      // Started: a change from now on needs a read of its own.
      queuedMembers.delete(groupId);
      return api.members(groupId);
    })
    .then(
      ({ members }) => {
        page.state.setMembers(groupId, members);
        page.render();
      },
      () => {
        // Declined meanwhile, or offline: the list stays as it was.
      },
    );
  queuedMembers.set(groupId, read);
  return read;
}
