/**
 * The demo page after things go wrong, in headless Chromium (docs/demo.md):
 * a sign-in whose chat could not load, changes made while the page was
 * offline (groups, reads on another device), a late online list, and
 * refusals from the server (an invitation answered in another tab, a
 * message to someone who blocks me, a registration it refuses), which must
 * be shown as they are, and a message over the server's limit. The
 * page is bundled from demo/ into a temporary folder and served by a server
 * run from the sources (test/support/demo-page-server.ts).
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDemoPageServer } from '../support/demo-page-server.js';
import { closeAll } from '../support/server.js';
import { PASSWORD_LENGTH, USERNAME_LENGTH } from '../../src/wire-limits.js';
import { call, describeWithBrowser, goOffline, goOnline, launchBrowser, loginPage, openPrivate, send, shownMessages, signIn, signUp, type Person } from './browser.js';

const contactNames = async (p: Person) => (await p.page.locator('#contact-list button').allTextContents()).join(' | ');

/** `owner` creates a group and invites `member` (over HTTP, from their pages); returns its id. */
async function invite(owner: Person, member: Person, name: string): Promise<number> {
  const created = await call(owner, 'POST', '/api/groups', { name });
  expect(created.status).toBe(201);
  const groupId = created.body.id as number;
  expect((await call(owner, 'POST', '/api/groups/invite', { group_id: groupId, user_id: member.id })).status).toBe(201);
  return groupId;
}

/** Wait until the page has drawn what it has now (the page renders on animation frames). */
const rendered = (p: Person) => p.page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');

describeWithBrowser('demo page: recovering from failures and refusals (e2e)', () => {
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

  it('never sends the password in the URL, also when signing in again after the chat could not load', async () => {
    const context = await browser.newContext({ baseURL: url });
    context.setDefaultTimeout(8_000);
    const page = await context.newPage();
    // A network blip on one of the reads the chat starts with, after the account was created.
    let failed = false;
    await page.route('**/api/conversations', (route) => {
      if (failed) return route.continue();
      failed = true;
      return route.abort();
    });
    await page.goto('/');
    expect(await page.locator('#login-form').getAttribute('method')).toBe('post');
    await page.getByLabel('Username', { exact: true }).fill('urlpass');
    await page.getByLabel('Password', { exact: true }).fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.locator('#login-error', { hasText: 'could not be reached' }).waitFor();
    // The page says to try again; the user does, and the chat opens.
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#chat-screen[data-connection="open"]').waitFor();
    expect(new URL(page.url()).search).not.toMatch(/password=/);
    await context.close();
  });

  it('after a reconnect the contact list follows group changes made while the page was offline', async () => {
    const [alice, bob, carol] = (await Promise.all(['alice_rc', 'bob_rc', 'carol_rc'].map((n) => signUp(browser, url, n)))) as [Person, Person, Person];
    const club = await invite(alice, bob, 'Club');
    const walks = await invite(alice, carol, 'Walks');
    expect((await call(carol, 'POST', `/api/groups/${walks}/accept`)).status).toBe(200);
    await alice.page.reload();
    await alice.page.locator('#chat-screen[data-connection="open"]').waitFor();
    await expect.poll(() => contactNames(alice)).toContain('carol_rc');
    expect(await contactNames(alice)).not.toContain('bob_rc'); // only invited

    // alice's network goes away; meanwhile bob accepts her invitation and carol leaves their only group.
    await goOffline(alice);
    await alice.page.locator('#chat-screen[data-connection="reconnecting"]').waitFor();
    expect((await call(bob, 'POST', `/api/groups/${club}/accept`)).status).toBe(200);
    expect((await call(carol, 'POST', `/api/groups/${walks}/leave`)).status).toBe(200);
    await goOnline(alice);
    await alice.page.locator('#chat-screen[data-connection="open"]').waitFor();
    await expect.poll(async () => (await call(alice, 'GET', '/api/users/online')).body.users).toEqual([bob.id]);
    // The page reads the groups and every member list again: bob is a contact now, carol no longer is.
    await expect.poll(() => contactNames(alice), { timeout: 6_000 }).toContain('online: bob_rc');
    expect(await contactNames(alice)).not.toContain('carol_rc');
  }, 30_000);

  it('an invitation that can no longer be answered (declined in another tab) says so in an alert and stops offering its buttons', async () => {
    const [alice, bob] = (await Promise.all(['alice_inv', 'bob_inv'].map((n) => signUp(browser, url, n)))) as [Person, Person];
    const secondTab = await bob.context.newPage();
    await secondTab.goto('/');
    await secondTab.locator('#chat-screen[data-connection="open"]').waitFor();
    await invite(alice, bob, 'Choir');
    await secondTab.locator('#badge', { hasText: '1' }).waitFor();
    // bob declines in his first tab ...
    await bob.page.locator('#bell').click();
    await bob.page.locator('#notifications-list li', { hasText: 'invited you to Choir' }).getByRole('button', { name: 'Decline' }).click();
    await bob.page.locator('#notifications-list li', { hasText: 'Declined' }).waitFor();
    // ... and later presses Accept in the second one, which still offers it. The server refuses (404).
    await secondTab.locator('#bell').click();
    const offer = secondTab.locator('#notifications-list li', { hasText: 'invited you to Choir' });
    await offer.getByRole('button', { name: 'Accept' }).click();
    await secondTab.getByRole('alert').filter({ hasText: 'Could not answer the invitation: no pending invitation' }).waitFor();
    await expect.poll(() => offer.getByRole('button').count()).toBe(0);
    await secondTab.close();
  }, 30_000);

  it('a contact who comes online while the online list is being read is shown online', async () => {
    const [alice, bob] = (await Promise.all(['alice_pr', 'bob_pr'].map((n) => signUp(browser, url, n)))) as [Person, Person];
    const group = await invite(alice, bob, 'Pair');
    expect((await call(bob, 'POST', `/api/groups/${group}/accept`)).status).toBe(200);
    await expect.poll(() => contactNames(alice)).toContain('online: bob_pr');
    await bob.page.close();
    await expect.poll(() => contactNames(alice)).toContain('offline: bob_pr');
    // alice's next GET /api/users/online is read by the server at once, but its answer reaches the page late.
    let answered!: () => void;
    const read = new Promise<void>((r) => (answered = r));
    let deliver!: () => void;
    const late = new Promise<void>((r) => (deliver = r));
    let first = true;
    await alice.page.route('**/api/users/online', async (route) => {
      if (!first) return route.continue();
      first = false;
      const answer = await route.fetch();
      answered();
      await late;
      await route.fulfill({ response: answer });
    });
    // Her socket drops and comes back: the page reads the online list again ...
    await alice.page.evaluate('window.__e2eCutSockets()');
    await read;
    // ... and while that answer is on its way, bob comes online: his presence frame reaches her page first.
    const page = await bob.context.newPage();
    await page.goto('/');
    await page.locator('#chat-screen[data-connection="open"]').waitFor();
    await expect.poll(() => contactNames(alice)).toContain('online: bob_pr');
    const delivered = alice.page.waitForResponse('**/api/users/online');
    deliver();
    await (await delivered).finished();
    await rendered(alice);
    // The list read before bob connected does not undo the newer frame.
    expect(await contactNames(alice)).toContain('online: bob_pr');
  }, 30_000);

  it('unread counts after a reconnect leave out what I read on another device meanwhile', async () => {
    const [alice, bob] = (await Promise.all(['alice_ur', 'bob_ur'].map((n) => signUp(browser, url, n)))) as [Person, Person];
    const group = await invite(alice, bob, 'Desk');
    expect((await call(bob, 'POST', `/api/groups/${group}/accept`)).status).toBe(200);
    const laptop = await signIn(browser, url, 'bob_ur');
    await bob.page.reload();
    await bob.page.locator('#chat-screen[data-connection="open"]').waitFor();
    // The laptop loses the network; alice writes three messages; bob reads them on his other device.
    await goOffline(laptop);
    await laptop.page.locator('#chat-screen[data-connection="reconnecting"]').waitFor();
    await openPrivate(alice, bob.id);
    for (const text of ['one', 'two', 'three']) await send(alice, text);
    await bob.page.locator('#conversation-list button', { hasText: 'alice_ur' }).locator('.unread-count', { hasText: '3' }).waitFor();
    await bob.page.locator('#conversation-list button', { hasText: 'alice_ur' }).click();
    await alice.page.locator('#message-list li.message[data-status="read"]', { hasText: 'three' }).waitFor();
    const unread = (await call(bob, 'GET', '/api/conversations')).body.conversations.find((c: { kind: string }) => c.kind === 'private')?.unread;
    expect(unread).toBe(0);
    // The laptop comes back: sync replays the three messages, which the server counts read.
    await goOnline(laptop);
    await laptop.page.locator('#chat-screen[data-connection="open"]').waitFor();
    const row = laptop.page.locator('#conversation-list button', { hasText: 'alice_ur' });
    await row.locator('.preview', { hasText: 'three' }).waitFor();
    const badge = row.locator('.unread-count');
    await expect.poll(async () => ((await badge.isHidden()) ? 'no unread count' : `${await badge.textContent()} unread`), { timeout: 5_000 }).toBe('no unread count');
    await laptop.context.close();
  }, 40_000);

  it('a private message refused because the recipient blocks me says so, not "you are not a member"', async () => {
    const [alice, carol] = (await Promise.all(['alice_bl', 'carol_bl'].map((n) => signUp(browser, url, n)))) as [Person, Person];
    await openPrivate(alice, carol.id);
    await alice.page.locator('#chat-title', { hasText: 'carol_bl' }).waitFor();
    await send(alice, 'hello carol');
    await alice.page.locator('#message-list li.message[data-status="stored"]').waitFor();
    expect((await call(carol, 'POST', `/api/users/${alice.id}/block`)).status).toBe(201);
    await send(alice, 'are you there?');
    const failed = alice.page.locator('#message-list li.message[data-status="failed"]');
    await failed.waitFor();
    const meta = await failed.locator('.meta').textContent();
    expect(meta).toContain('does not accept your messages');
    expect(meta).not.toContain('not a member');
  }, 30_000);

  it('a refused registration says what the server refused: a password over 1024 characters is no "at least 8 characters"', async () => {
    const page = await loginPage(browser, url);
    await page.getByLabel('Username', { exact: true }).fill('longpassword');
    await page.getByLabel('Password', { exact: true }).fill('p'.repeat(1025));
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => page.locator('#login-error').textContent()).toBe('password: must be 8 to 1024 characters');
    await page.context().close();
  }, 30_000);

  it('the sign-in form checks what the server checks (src/wire-limits.ts): the lengths and the username characters', async () => {
    const page = await loginPage(browser, url);
    // The form gets its rules when the login screen shows, after the page asked whether a session exists.
    await expect.poll(() => page.locator('#login-password-hint').textContent()).toBe(`${PASSWORD_LENGTH.min} to ${PASSWORD_LENGTH.max} characters.`);
    const username = page.getByLabel('Username', { exact: true });
    // Page-side code as strings, as elsewhere in these tests (the test's TypeScript has no DOM types).
    const field = (id: string, what: string) => page.evaluate(`(() => { const e = document.getElementById('${id}'); return ${what}; })()`);
    expect(await field('login-username', '[e.minLength, e.maxLength]')).toEqual([USERNAME_LENGTH.min, USERNAME_LENGTH.max]);
    await username.fill('bad name');
    expect(await field('login-username', 'e.validationMessage')).toBe('Only letters, digits, _ . -');
    await username.fill('good_name.1');
    expect(await field('login-username', 'e.validity.valid')).toBe(true);
    expect(await field('login-password', 'e.minLength')).toBe(PASSWORD_LENGTH.min);
    await page.context().close();
  }, 30_000);

  it('the message box takes 4000 characters of emoji, as the server counts them, and refuses the 4001st with a message', async () => {
    const [alice, bob] = (await Promise.all(['alice_emoji', 'bob_emoji'].map((n) => signUp(browser, url, n)))) as [Person, Person];
    await openPrivate(alice, bob.id);
    await alice.page.locator('#chat-title', { hasText: 'bob_emoji' }).waitFor();
    const longest = '😀'.repeat(4000); // 8000 UTF-16 units: a maxlength="4000" cut it at 2000
    await send(alice, longest);
    await alice.page.locator('#message-list li.message:not([data-status="pending"])').waitFor();
    expect(await shownMessages(alice)).toEqual([{ id: expect.any(Number), text: longest, status: expect.stringMatching(/^(stored|delivered|read)$/) }]);

    const box = alice.page.getByLabel('Message', { exact: true });
    await box.fill(`${longest}😀`);
    const error = alice.page.locator('#composer-error');
    await expect.poll(() => error.textContent()).toBe('Too long to send: a message is at most 4000 characters.');
    expect(await error.isVisible()).toBe(true);
    await box.press('Enter');
    await rendered(alice);
    expect(await shownMessages(alice)).toHaveLength(1);
    expect(await box.inputValue()).toBe(`${longest}😀`);
    await box.press('Backspace');
    await expect.poll(() => error.textContent()).toBe('');
  }, 30_000);
}, 60_000);
