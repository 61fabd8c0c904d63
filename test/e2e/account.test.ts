/**
 * The demo page's *Account* panel in headless Chromium (docs/demo.md):
 * *Change password* and *Log out everywhere*, with a second browser context
 * of the same user (another device) open meanwhile. The page is bundled from
 * demo/ into a temporary folder and served by a server run from the sources
 * (test/support/demo-page-server.ts).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDemoPageServer } from '../support/demo-page-server.js';
import { closeAll } from '../support/server.js';
import { PASSWORD_LENGTH } from '../../src/wire-limits.js';
import { bubble, describeWithBrowser, launchBrowser, openPrivate, send, signIn, signUp, type Person } from './browser.js';

/** The password signUp and signIn type. */
const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'battery staple horse';

/** The login screen is up (the page asked `GET /api/auth/me` and was told 401). */
const onLoginScreen = (page: Page) => page.locator('#login-screen:not([hidden])').waitFor();

/** Open the panel from the keyboard, as a person without a mouse would: focus lands in the form. */
async function openAccount(p: Person): Promise<void> {
  await p.page.locator('#account-button').focus();
  await p.page.keyboard.press('Enter');
  await p.page.getByLabel('Current password').waitFor();
  expect(await p.page.evaluate('document.activeElement.id')).toBe('current-password');
}

async function changePassword(p: Person, current: string, next: string): Promise<void> {
  await p.page.getByLabel('Current password').fill(current);
  await p.page.getByLabel('New password').fill(next);
  await p.page.getByRole('button', { name: 'Change password' }).click();
}

/** A sign-in over HTTP, outside any browser: its status. */
async function loginStatus(url: string, username: string, password: string): Promise<number> {
  const res = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  return res.status;
}

describeWithBrowser('demo page: change password and log out everywhere (e2e)', () => {
  let url: string;
  let browser: Browser;

  beforeAll(async () => {
    const [server, b] = await Promise.all([startDemoPageServer(), launchBrowser()]);
    url = server.url;
    browser = b;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await closeAll();
  });

  it('a password change signs the other device out, this page keeps chatting on its socket, and only the new password signs in', async () => {
    const [alice, bob] = (await Promise.all(['alice_pw', 'bob_pw'].map((n) => signUp(browser, url, n)))) as [Person, Person];
    const laptop = await signIn(browser, url, 'alice_pw');
    await openPrivate(bob, alice.id);
    // Sockets alice's page opens from here on: the server keeps the one it has under the session's new id.
    let socketsOpened = 0;
    alice.page.on('websocket', () => socketsOpened++);

    await openAccount(alice);
    await changePassword(alice, PASSWORD, NEW_PASSWORD);
    await alice.page.getByRole('status').filter({ hasText: 'Password changed.' }).waitFor();
    // The other session ended: its socket closed with 4401 and the page went back to the login form.
    await onLoginScreen(laptop.page);

    await openPrivate(alice, bob.id);
    await send(alice, 'still here after the change');
    await bubble(bob, 'still here after the change').waitFor();
    expect(socketsOpened).toBe(0);
    expect(await alice.page.locator('#chat-screen').getAttribute('data-connection')).toBe('open');

    await laptop.page.getByLabel('Username', { exact: true }).fill('alice_pw');
    await laptop.page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await laptop.page.getByRole('button', { name: 'Sign in' }).click();
    await laptop.page.getByRole('alert').filter({ hasText: 'Wrong username or password.' }).waitFor();
    await laptop.page.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD);
    await laptop.page.getByRole('button', { name: 'Sign in' }).click();
    await laptop.page.locator('#chat-screen[data-connection="open"]').waitFor();
    expect([...alice.pageErrors, ...laptop.pageErrors]).toEqual([]);
    await laptop.context.close();
  }, 30_000);

  it("a refused change shows the server's reason and changes nothing; Escape closes the panel", async () => {
    const alice = await signUp(browser, url, 'alice_wrong');
    await openAccount(alice);
    // The new password field has the register form's rule.
    expect(await alice.page.evaluate(`document.getElementById('new-password').minLength`)).toBe(PASSWORD_LENGTH.min);
    expect(await alice.page.locator('#new-password-hint').textContent()).toBe(`${PASSWORD_LENGTH.min} to ${PASSWORD_LENGTH.max} characters.`);

    await changePassword(alice, PASSWORD, 'short');
    await alice.page.getByRole('alert').filter({ hasText: 'new_password: must be 8 to 1024 characters' }).waitFor();
    await changePassword(alice, 'not my password', NEW_PASSWORD);
    await alice.page.getByRole('alert').filter({ hasText: 'current_password is not your password' }).waitFor();
    expect(await alice.page.locator('#password-result').textContent()).toBe('');

    expect(await loginStatus(url, 'alice_wrong', PASSWORD)).toBe(200);
    expect(await loginStatus(url, 'alice_wrong', NEW_PASSWORD)).toBe(401);
    expect(await alice.page.locator('#chat-screen').getAttribute('data-connection')).toBe('open');

    await alice.page.keyboard.press('Escape');
    await alice.page.locator('#account-panel').waitFor({ state: 'hidden' });
    expect(await alice.page.evaluate('document.activeElement.id')).toBe('account-button');
    expect(alice.pageErrors).toEqual([]);
  }, 30_000);

  it('log out everywhere sends this page and the other device to the login screen', async () => {
    const alice = await signUp(browser, url, 'alice_all');
    const laptop = await signIn(browser, url, 'alice_all');
    await openAccount(alice);
    await alice.page.getByRole('button', { name: 'Log out everywhere' }).click();
    await Promise.all([onLoginScreen(alice.page), onLoginScreen(laptop.page)]);
    expect([...alice.pageErrors, ...laptop.pageErrors]).toEqual([]);
    await laptop.context.close();
  }, 30_000);
}, 60_000);
