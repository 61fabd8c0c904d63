/**
 * The message box and sending: a send shows at once as *sending*, goes
 * through the client's outbox, and is marked *not sent* with a *Retry*
 * button (same `client_id`, so no duplicate) if the server refuses it.
 * Text over the server's limit is refused here, with a message under the
 * box: counted as the server counts it (characters of the trimmed text, an
 * emoji one), which a `maxlength` (UTF-16 units) does not.
 */
import { isParlorClientError } from '../src/client/index.js';
import { MAX_CONTENT_CHARS, withinCharacters } from '../src/wire-limits.js';
import { announce } from './announcer.js';
import type { ChatContext } from './context.js';
import { byId, setText } from './dom.js';
import { errorText } from './errors.js';
import { refreshOnline } from './presence.js';
import type { ChatMessage, Conversation } from './state.js';
import type { TypingSender } from './typing-indicator.js';

/** `scrollToEnd`: show the newest message on the next render, wherever the list was scrolled. */
export function wireComposer(ctx: ChatContext, typing: TypingSender, scrollToEnd: () => void): void {
  const input = byId<HTMLTextAreaElement>('composer-input');
  byId<HTMLFormElement>('composer').addEventListener('submit', (event) => {
    event.preventDefault();
    if (!fitsTheLimit(input.value)) return;
    if (send(ctx, input.value)) scrollToEnd();
    clearComposer();
    typing.messageSent();
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      byId<HTMLFormElement>('composer').requestSubmit();
    }
  });
  input.addEventListener('input', () => {
    fitsTheLimit(input.value);
    typing.send(input.value.trim() !== '');
  });
  input.addEventListener('blur', () => typing.send(false));
}

/** Empty the message box and its error (after a send, or when another conversation opens). */
export function clearComposer(): void {
  byId<HTMLTextAreaElement>('composer-input').value = '';
  setText(byId('composer-error'), '');
}

/** Whether `text` is within the server's limit; shows why not under the box, or clears that. */
function fitsTheLimit(text: string): boolean {
  const fits = withinCharacters(text.trim(), MAX_CONTENT_CHARS);
  setText(byId('composer-error'), fits ? '' : `Too long to send: a message is at most ${MAX_CONTENT_CHARS} characters.`);
  return fits;
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
