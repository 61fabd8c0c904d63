/**
 * What the feature modules get instead of the whole app (a leaf: it imports
 * only types). A module takes the narrowest of these it needs; effects on
 * other features go through `state` and `render()`, or a callback passed in
 * by the controller (chat-app.ts), never by importing it.
 */
import type { ParlorClient } from '../src/client/index.js';
import type { ChatMessage, ChatState, ConversationKey } from './state.js';

/** The page's state and the way to draw it again: enough for whatever only reads over HTTP. */
export interface PageContext {
  readonly state: ChatState;
  /** Draw the page from `state` on the next frame (many calls, one render). */
  render(): void;
}

/** The page plus this tab's connection (the client SDK). */
export interface ChatContext extends PageContext {
  readonly client: ParlorClient;
}

/** Open a conversation: make it the active one, load or read it (message-pane.ts does it). */
export type OpenConversation = (key: ConversationKey) => void;

/** What the rendered controls do: the controller (chat-app.ts) supplies them to the views. */
export interface ViewActions {
  open: OpenConversation;
  answerInvite(groupId: number, accept: boolean): void;
  retry(message: ChatMessage): void;
  loadOlder(): void;
}
