/**
 * The end of a session: *Sign out*, a session that ended elsewhere (another
 * tab, or a 401 the browser hid on the WebSocket upgrade), and the way back to
 * the login screen.
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
    client.close('signed out');
    signedOut();
  }
}
