/**
 * The message box and sending: a send shows at once as *sending*, goes
 * through the client's outbox, and is marked *not sent* with a *Retry*
 * button (same `client_id`, so no duplicate) if the server refuses it.
 */
import { isParlorClientError } from '../src/client/index.js';
import { announce } from './announcer.js';
import type { ChatContext } from './context.js';
import { byId } from './dom.js';
import { errorText } from './errors.js';
import { refreshOnline } from './presence.js';
import type { ChatMessage, Conversation } from './state.js';
import type { TypingSender } from './typing-indicator.js';

/** `scrollToEnd`: show the newest message on the next render, wherever the list was scrolled. */
export function wireComposer(ctx: ChatContext, typing: TypingSender, scrollToEnd: () => void): void {
  const input = byId<HTMLTextAreaElement>('composer-input');
  byId<HTMLFormElement>('composer').addEventListener('submit', (event) => {
    event.preventDefault();
    if (send(ctx, input.value)) scrollToEnd();
    input.value = '';
    typing.messageSent();
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      byId<HTMLFormElement>('composer').requestSubmit();
    }
  });
  input.addEventListener('input', () => typing.send(input.value.trim() !== ''));
  input.addEventListener('blur', () => typing.send(false));
}

/** Show `text` as sending in the open conversation and hand it to the client; false when there is nothing to send. */
function send(ctx: ChatContext, text: string): boolean {
  const c = ctx.state.activeConversation();
  const content = text.trim();
  if (!c || !content) return false;
  const clientId = crypto.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  const message: ChatMessage = { uid: `c${clientId}`, id: null, clientId, from: ctx.state.me.id, content, timestamp: Date.now(), status: 'pending' };
  c.addPending(message);
  deliver(ctx, c, message);
  ctx.render();
  return true;
}

/** Hand a send to the client: queued while disconnected, resent with its client id until acked. */
function deliver(ctx: ChatContext, c: Conversation, message: ChatMessage): void {
  const clientId = message.clientId!;
  const sent = c.kind === 'private' ? ctx.client.sendPrivate(c.targetId, message.content, { clientId }) : ctx.client.sendGroup(c.targetId, message.content, { clientId });
  sent.then(
    (ack) => {
      c.acknowledge(message, ack.id, ack.timestamp);
      if (c.kind === 'private' && c.stored === 1) void refreshOnline(ctx);
      ctx.render();
    },
    (err: unknown) => {
      message.status = 'failed';
      message.error = isParlorClientError(err) ? err.code : 'error';
      announce(`Message not sent: ${errorText(err)}`);
      ctx.render();
    },
  );
}

export function retry(ctx: ChatContext, message: ChatMessage): void {
  const c = [...ctx.state.conversations.values()].find((x) => x.messages.includes(message));
  if (!c || message.status !== 'failed') return;
  message.status = 'pending';
  delete message.error;
  if (ctx.client.state === 'closed') void ctx.client.connect().catch(() => {});
  deliver(ctx, c, message);
  ctx.render();
}
