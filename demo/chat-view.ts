/**
 * Rendering: every part of the chat screen drawn from `ChatState`, by the
 * views of the feature modules. Lists are reconciled by key, so re-rendering
 * after each event is cheap and keeps the focused button, the scroll position
 * and the reading context in place.
 */
import type { ViewActions } from './context.js';
import { ConversationHeaderView } from './conversation-header.js';
import { ConversationListView } from './conversation-list.js';
import { byId, setText } from './dom.js';
import { MessagePaneView } from './message-pane.js';
import { NotificationsView } from './notifications-panel.js';
import type { ChatState } from './state.js';
import { TypingView } from './typing-indicator.js';

export class ChatView {
  private readonly notifications: NotificationsView;
  private readonly sidebar: ConversationListView;
  private readonly header: ConversationHeaderView;
  private readonly messagePane: MessagePaneView;
  private readonly typing: TypingView;

  constructor(state: ChatState, actions: ViewActions) {
    this.notifications = new NotificationsView(state, actions);
    this.sidebar = new ConversationListView(state, actions);
    this.header = new ConversationHeaderView(state);
    this.messagePane = new MessagePaneView(state, actions);
    this.typing = new TypingView(state);
    setText(byId('me-name'), state.me.username);
    setText(byId('me-id'), String(state.me.id));
  }

  scrollToEnd(): void {
    this.messagePane.scrollToEnd();
  }

  render(): void {
    this.notifications.render();
    this.sidebar.renderConversations();
    this.sidebar.renderContacts();
    this.header.render();
    this.messagePane.render();
    this.typing.render();
  }
}
