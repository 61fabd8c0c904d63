/**
 * The demo chat page served by `npm start` at `/` (the bundle's entry point):
 * resume the session, or show the login screen. The chat itself is
 * `startChat()` (chat-app.ts); the client SDK (src/client) does the hard parts
 * (reconnect, outbox, sync, exactly-once delivery).
 */
import { api, ApiError } from './api.js';
import { showLogin } from './auth-screen.js';
import { startChat } from './chat-app.js';
import { byId, setText } from './dom.js';
import { errorText } from './errors.js';
import { show } from './screens.js';

async function main(): Promise<void> {
  try {
    await startChat(await api.me());
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return showLogin();
    show('loading');
    setText(byId('loading'), `Parlor could not start: ${errorText(err)}. Reload to try again.`);
  }
}

void main();
