/** The login screen: sign in or create an account, then start the chat. */
import { api, ApiError } from './api.js';
import { startChat } from './chat-app.js';
import { byId, setText } from './dom.js';
import { errorText } from './errors.js';
import { show } from './screens.js';
import { PASSWORD_LENGTH, USERNAME_CHARACTERS, USERNAME_LENGTH } from '../src/wire-limits.js';

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

/**
 * The form checks what the server checks (src/wire-limits.ts), so the two
 * cannot drift apart: a username's length and characters, a password's least
 * length. No maxlength on the password: the browser would cut a pasted one
 * without a word; the server's 400 names the limit instead.
 */
function applyCredentialRules(): void {
  const username = byId<HTMLInputElement>('login-username');
  username.minLength = USERNAME_LENGTH.min;
  username.maxLength = USERNAME_LENGTH.max;
  // The server's own expression, not a `pattern` copy of it (which browsers compile in their own flavour).
  username.oninput = () => username.setCustomValidity(username.value === '' || USERNAME_CHARACTERS.test(username.value) ? '' : 'Only letters, digits, _ . -');
  setText(byId('login-username-hint'), `${USERNAME_LENGTH.min} to ${USERNAME_LENGTH.max} letters, digits, _ . -`);
  // minlength counts UTF-16 units and the server characters (code points), so the form never refuses a password
  // the server takes (eight characters are at least eight units); one of four emoji passes it and gets the server's
  // 400, shown as it is. The same form signs in, where the server's floor is eight units too.
  byId<HTMLInputElement>('login-password').minLength = PASSWORD_LENGTH.min;
  setText(byId('login-password-hint'), `${PASSWORD_LENGTH.min} to ${PASSWORD_LENGTH.max} characters.`);
}
