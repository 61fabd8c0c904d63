/**
 * What the page's forms check of a username and a password before the server
 * does: the server's own limits (src/wire-limits.ts), so the two cannot drift
 * apart. The login form and the account panel's password change both take
 * them from here.
 */
import { setText } from './dom.js';
import { PASSWORD_LENGTH, USERNAME_CHARACTERS, USERNAME_LENGTH } from '../src/wire-limits.js';

/** A username's length and characters, with the rule written in `hint`. */
export function applyUsernameRules(input: HTMLInputElement, hint: HTMLElement): void {
  input.minLength = USERNAME_LENGTH.min;
  input.maxLength = USERNAME_LENGTH.max;
  // The server's own expression, not a `pattern` copy of it (which browsers compile in their own flavour).
  input.oninput = () => input.setCustomValidity(input.value === '' || USERNAME_CHARACTERS.test(input.value) ? '' : 'Only letters, digits, _ . -');
  setText(hint, `${USERNAME_LENGTH.min} to ${USERNAME_LENGTH.max} letters, digits, _ . -`);
}

/**
 * A password's least length, with the rule written in `hint`. minlength counts
 * UTF-16 units and the server characters (code points), so a form never
 * refuses a password the server takes (eight characters are at least eight
 * units); one of four emoji passes it and gets the server's 400, shown as it
 * is. A password checked against the account (sign-in, the current password
 * of a change) has a floor of eight units at the server too. No maxlength:
 * the browser would cut a pasted password without a word; the server's 400
 * names the limit instead.
 */
export function applyPasswordRule(input: HTMLInputElement, hint: HTMLElement): void {
  input.minLength = PASSWORD_LENGTH.min;
  setText(hint, `${PASSWORD_LENGTH.min} to ${PASSWORD_LENGTH.max} characters.`);
}
