/**
 * The *Account* button and its panel: *Change password* and *Log out
 * everywhere*, Parlor's own routes beyond the contract (docs/contract.md,
 * "Beyond the contract: password change and log out everywhere"). A change
 * keeps this tab signed in: the response renewed its cookie, and the server
 * moved this tab's socket to the new session, so the chat goes on; every
 * other sign-in of the user ends (their sockets close with 4401, and those
 * tabs go back to the login screen). Escape closes the panel and gives focus
 * back to the button.
 */
import { api } from './api.js';
import type { ChatContext } from './context.js';
import { applyPasswordRule } from './credential-rules.js';
import { byId, setText } from './dom.js';
import { errorText } from './errors.js';
import { wireForm } from './forms.js';
import { logoutEverywhere } from './session.js';

export function wireAccountPanel(ctx: ChatContext): void {
  const button = byId<HTMLButtonElement>('account-button');
  button.addEventListener('click', () => (byId('account-panel').hidden ? openPanel() : closePanel(true)));
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !byId('account-panel').hidden) closePanel(true);
  });
  // One panel at a time: both open under the top bar's right end.
  byId('bell').addEventListener('click', () => closePanel(false));

  // Its default value, so that the form's reset after a change keeps it.
  byId<HTMLInputElement>('password-username').defaultValue = ctx.state.me.username;
  applyPasswordRule(byId<HTMLInputElement>('new-password'), byId('new-password-hint'));
  // The server's refusal is shown as it is (wireForm): a 400 names the field and its rule, a 403 says the current
  // password is wrong, a 429 to wait, and a 503 what holds already and what to do.
  wireForm('password-form', 'password-error', async (form) => {
    const result = byId('password-result');
    setText(result, '');
    const field = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value;
    await api.changePassword(field('current_password'), field('new_password'));
    form.reset();
    setText(result, 'Password changed. Every other browser and device is signed out; this one stays signed in.');
  });

  const everywhere = byId<HTMLButtonElement>('logout-everywhere');
  everywhere.addEventListener('click', async () => {
    const error = byId('logout-everywhere-error');
    setText(error, '');
    everywhere.disabled = true;
    try {
      await logoutEverywhere(ctx.client);
    } catch (err) {
      // A 503 says what holds and to try again; the button is there for it.
      setText(error, errorText(err));
      everywhere.disabled = false;
    }
  });
}

function openPanel(): void {
  // The bell closes its own panel (and marks what it showed read), before this one opens in the same place.
  if (!byId('notifications-panel').hidden) byId('bell').click();
  byId('account-panel').hidden = false;
  // What an earlier opening said is over.
  for (const id of ['password-error', 'password-result', 'logout-everywhere-error']) setText(byId(id), '');
  byId('account-button').setAttribute('aria-expanded', 'true');
  byId('current-password').focus();
}

function closePanel(focusButton: boolean): void {
  const panel = byId('account-panel');
  if (panel.hidden) return;
  panel.hidden = true;
  byId('account-button').setAttribute('aria-expanded', 'false');
  if (focusButton) byId('account-button').focus();
}
