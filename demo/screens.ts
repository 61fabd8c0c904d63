/** Which of the page's three screens is visible: the loading line, the login form or the chat. */
import { byId } from './dom.js';

export function show(screen: 'loading' | 'login' | 'chat'): void {
  byId('loading').hidden = screen !== 'loading';
  byId('login-screen').hidden = screen !== 'login';
  byId('chat-screen').hidden = screen !== 'chat';
}
