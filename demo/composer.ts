/**
 * The message box and sending: a send shows at once as *sending*, goes
 * through the client's outbox, and is marked *not sent* with a *Retry*
 * button (same `client_id`, so no duplicate) if the server refuses it.
 */
import { isParlorClientError } from '../src/client/index.js';
import { announce } from './announcer.js';
import type { ChatApp } from './chat-app.js';
import { byId } from './dom.js';
import { errorText } from './errors.js';
import { refreshOnline } from './presence.js';
import type { ChatMessage, Conversation } from './state.js';
import { sendTyping } from './typing-indicator.js';

export function wireComposer(app: ChatApp): void {
  const input = byId<HTMLTextAreaElement>('composer-input');
  byId<HTMLFormElement>('composer').addEventListener('submit', (event) => {
    event.preventDefault();
    send(app, input.value);
    input.value = '';
    app.lastTypingSent = 0; // the server ends the indicator when the message arrives
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      byId<HTMLFormElement>('composer').requestSubmit();
    }
  });
  input.addEventListener('input', () => sendTyping(app, input.value.trim() !== ''));
  input.addEventListener('blur', () => sendTyping(app, false));
}

function send(app: ChatApp, text: string): void {
  const c = app.activeConversation();
  const content = text.trim();
  if (!c || !content) return;
  const clientId = crypto.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  const message: ChatMessage = { uid: `c${clientId}`, id: null, clientId, from: app.state.me.id, content, timestamp: Date.now(), status: 'pending' };
  c.addPending(message);
  deliver(app, c, message);
  app.view.scrollToEnd();
  app.render();
}

/** Hand a send to the client: queued while disconnected, resent with its client id until acked. */
function deliver(app: ChatApp, c: Conversation, message: ChatMessage): void {
  const clientId = message.clientId!;
  const sent = c.kind === 'private' ? app.client.sendPrivate(c.targetId, message.content, { clientId }) : app.client.sendGroup(c.targetId, message.content, { clientId });
  sent.then(
    (ack) => {
      c.acknowledge(message, ack.id, ack.timestamp);
      if (c.kind === 'private' && c.stored === 1) void refreshOnline(app);
      app.render();
    },
    (err: unknown) => {
      message.status = 'failed';
      message.error = isParlorClientError(err) ? err.code : 'error';
      announce(`Message not sent: ${errorText(err)}`);
      app.render();
    },
  );
}

export function retry(app: ChatApp, message: ChatMessage): void {
  const c = [...app.state.conversations.values()].find((x) => x.messages.includes(message));
  if (!c || message.status !== 'failed') return;
  message.status = 'pending';
  delete message.error;
  if (app.client.state === 'closed') void app.client.connect().catch(() => {});
  deliver(app, c, message);
  app.render();
}
