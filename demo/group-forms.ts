/** The group forms: *New group* in the sidebar, and *Invite a user* and *Leave group* under a group's *Members and invitations*. */
import { api } from './api.js';
import { announce } from './announcer.js';
import type { OpenConversation, PageContext } from './context.js';
import { byId, setText } from './dom.js';
import { errorText } from './errors.js';
import { wireForm } from './forms.js';
import { loadMembers } from './groups.js';
import { groupKey } from './state.js';

export function wireGroupForms(page: PageContext, open: OpenConversation): void {
  const { state } = page;
  wireForm('group-form', 'group-error', async (form) => {
    const name = (form.elements.namedItem('name') as HTMLInputElement).value.trim();
    const group = await api.createGroup(name);
    form.reset();
    state.groups.set(group.id, { id: group.id, name: group.name, status: 'accepted' });
    state.setMembers(group.id, [{ id: state.me.id, username: state.me.username, status: 'accepted' }]);
    announce(`Group ${group.name} created.`);
    open(groupKey(group.id));
  });
  wireForm('invite-form', 'invite-result', async (form) => {
    const c = state.activeConversation();
    if (c?.kind !== 'group') return;
    const text = (form.elements.namedItem('user') as HTMLInputElement).value;
    const userId = state.resolveUser(text);
    if (userId === undefined) throw new Error(`No user "${text.trim()}" known here: use their user id.`);
    await api.invite(c.targetId, userId);
    form.reset();
    await loadMembers(page, c.targetId);
    setText(byId('invite-result'), `Invited ${state.nameOf(userId)}.`);
  });
  byId('leave-group').addEventListener('click', () => void leave(page));
}

/** `POST /api/groups/:id/leave` for the open group; the page then forgets it. */
async function leave(page: PageContext): Promise<void> {
  const c = page.state.activeConversation();
  if (c?.kind !== 'group') return;
  const name = page.state.titleOf(c);
  setText(byId('leave-error'), '');
  try {
    await api.leave(c.targetId);
  } catch (err) {
    setText(byId('leave-error'), errorText(err));
    return;
  }
  page.state.forgetGroup(c.targetId);
  announce(`You left ${name}.`);
  page.render();
}
