/**
 * A message request (contract section 6): a stranger wrote first. The open
 * conversation says so, with Accept (a reply accepts it) and Block
 * (`POST /api/users/:id/block`: their messages are refused from then on, and
 * the page keeps the conversation off, after a reload too: ChatState.blocked).
 */
import { api } from './api.js';
import type { PageContext } from './context.js';
import { byId, setText } from './dom.js';
import { errorText } from './errors.js';

export function wireRequestBar(page: PageContext): void {
  byId('request-accept').addEventListener('click', () => byId<HTMLTextAreaElement>('composer-input').focus());
  byId('request-block').addEventListener('click', () => void block(page));
}

async function block(page: PageContext): Promise<void> {
  const { state } = page;
  const c = state.activeConversation();
  if (!c || c.kind !== 'private') return;
  setText(byId('request-error'), '');
  try {
    await api.block(c.targetId);
  } catch (err) {
    setText(byId('request-error'), errorText(err));
    return;
  }
  state.forgetBlocked(c.targetId);
  page.render();
}
