/** The login screen: sign in or create an account, then start the chat. */
import { api, ApiError } from './api.js';
import { startChat } from './chat-app.js';
import { applyPasswordRule, applyUsernameRules } from './credential-rules.js';
import { byId, setText } from './dom.js';
import { errorText } from './errors.js';
import { show } from './screens.js';

export function showLogin(): void {
  show('login');
  const form = byId<HTMLFormElement>('login-form');
  applyCredentialRules();
  const error = byId('login-error');
  byId<HTMLInputElement>('login-username').focus();
  // The handler stays for the page's life: a form without one would be submitted by the browser, as a
  // GET with the password in the URL (after a sign-in whose chat could not load, say).
  form.onsubmit = async (event) => {
    event.preventDefault();
    if (form.getAttribute('aria-busy') === 'true') return;
    const action = (event.submitter as HTMLButtonElement | null)?.value === 'register' ? 'register' : 'login';
    const username = (form.elements.namedItem('username') as HTMLInputElement).value.trim();
    const password = (form.elements.namedItem('password') as HTMLInputElement).value;
    setText(error, '');
    form.setAttribute('aria-busy', 'true');
    try {
      const user = action === 'register' ? await api.register(username, password) : await api.login(username, password);
      await startChat(user);
    } catch (err) {
      setText(error, loginError(err));
    } finally {
      form.removeAttribute('aria-busy');
    }
  };
}

function loginError(err: unknown): string {
  if (!(err instanceof ApiError)) return errorText(err);
  if (err.status === 401) return 'Wrong username or password.';
  if (err.status === 409) return 'That username is taken. Pick another, or sign in.';
  if (err.status === 429) return 'Too many attempts. Wait a minute and try again.';
  // A 400 names the field and its whole rule ("password: must be 8 to 1024 characters"): the server's rule, as it is.
  return err.message;
}

/** The form checks what the server checks (credential-rules.ts): a username's length and characters, a password's least length. */
function applyCredentialRules(): void {
  applyUsernameRules(byId<HTMLInputElement>('login-username'), byId('login-username-hint'));
  applyPasswordRule(byId<HTMLInputElement>('login-password'), byId('login-password-hint'));
}
