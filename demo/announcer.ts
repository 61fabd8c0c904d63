/** Screen-reader announcements through the one polite live region, `#announcer`. */
import { byId } from './dom.js';

export function announce(text: string): void {
  const el = byId('announcer');
  // Clear first, so the same text twice is announced twice.
  el.textContent = '';
  requestAnimationFrame(() => (el.textContent = text));
}
