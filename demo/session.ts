/**
 * The end of a session: *Sign out*, *Log out everywhere*, a session that
 * ended elsewhere (another tab, or a 401 the browser hid on the WebSocket
 * upgrade), and the way back to the login screen.
 */
import { api, ApiError } from './api.js';
import type { ParlorClient } from '../src/client/index.js';

/** The session ended (here or in another tab): start over at the login screen. */
export function signedOut(): void {
  location.reload();
}

export async function checkSession(): Promise<void> {
  try {
    await api.me();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) signedOut();
  }
}

export async function logout(client: ParlorClient): Promise<void> {
  try {
    await api.logout();
  } finally {
    leave(client);
  }
}

/**
 * Every session and token of the user ends, this one too, and this tab goes
 * back to the login screen as after *Sign out*. A refusal (503: try again) is
 * thrown for the caller to show, and the tab stays as it is: unlike a failed
 * sign-out, which ends the tab anyway, a failed log out everywhere must be
 * seen, or the user would think the other sign-ins had ended.
 */
export async function logoutEverywhere(client: ParlorClient): Promise<void> {
  await api.logoutEverywhere();
  leave(client);
}

/** This tab's client stops and the page starts over at the login screen. */
function leave(client: ParlorClient): void {
  client.close('signed out');
  signedOut();
}
