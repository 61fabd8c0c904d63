/**
 * The demo chat page in headless Chromium, served by the real `npm start`
 * process (dist/server.js with dist/public), as a newcomer gets it: two people
 * sign up, one invites the other to a group through the notification badge,
 * they chat privately and in the group (typing indicator, delivered and read
 * marks), one loses the network, misses messages and sends one, and after the
 * reconnect both see everything exactly once. Steps share one server and one
 * browser and run in order.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServerProcess, stopServerProcess, type ServerProcess } from '../support/process.js';
import {
  bubble,
  call,
  describeWithBrowser,
  goOffline,
  goOnline,
  launchBrowser,
  openConversation,
  openPrivate,
  send,
  shownMessages,
  signUp,
  type Person,
} from './browser.js';

/** Screenshots are test artifacts: test/artifacts/ (gitignored), or E2E_SCREENSHOT_DIR. */
const SCREENSHOT_DIR = process.env.E2E_SCREENSHOT_DIR || fileURLToPath(new URL('../artifacts/', import.meta.url));
mkdirSync(SCREENSHOT_DIR, { recursive: true });

describeWithBrowser('demo chat page in Chromium (e2e)', () => {
  let dir: string;
  let server: ServerProcess;
  let browser: Browser;
  let alice: Person;
  let bob: Person;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parlor-e2e-'));
    // Builds dist/ and dist/public first when they are older than the sources (the build is what `npm start` runs).
    [server, browser] = await Promise.all([
      startServerProcess({ SQLITE_PATH: join(dir, 'parlor.db'), SESSION_SECRET: 'e2e-secret-e2e-secret-e2e-secret' }, 120_000),
      launchBrowser(),
    ]);
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    if (server) await stopServerProcess(server, 'SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves the page at / with its bundle, no CDN', async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain('<script type="module" src="app.js"></script>');
    expect(html).not.toMatch(/https?:\/\//); // every asset from this origin
    const bundle = await fetch(`${server.url}/app.js`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
  });

  it('two people sign up on the login page', async () => {
    [alice, bob] = await Promise.all([signUp(browser, server.url, 'alice'), signUp(browser, server.url, 'bob')]);
    expect(alice.id).toBeGreaterThan(0);
    expect(bob.id).toBeGreaterThan(0);
    expect(alice.id).not.toBe(bob.id);
    await expect.poll(() => alice.page.locator('#banner').isHidden()).toBe(true); // connected: no banner
  });

  it('alice creates a group and invites bob; the invitation reaches bob as a notification he accepts', async () => {
    const a = alice.page;
    await a.getByLabel('New group').fill('Book club');
    await a.getByRole('button', { name: 'Create' }).click();
    await a.locator('#chat-title', { hasText: 'Book club' }).waitFor();
    await a.getByText('Members and invitations').click();
    await a.getByLabel('Invite a user').fill(String(bob.id));
    await a.getByRole('button', { name: 'Invite', exact: true }).click();
    await a.locator('#invite-result', { hasText: 'Invited bob' }).waitFor();

    const b = bob.page;
    await b.locator('#badge', { hasText: '1' }).waitFor();
    await expect.poll(() => b.locator('#bell').getAttribute('aria-expanded')).toBe('false');
    await b.getByRole('button', { name: 'Notifications, 1 unread' }).click();
    const invite = b.locator('#notifications-list li', { hasText: 'alice invited you to Book club' });
    await invite.getByRole('button', { name: 'Accept' }).click();
    await b.locator('#chat-title', { hasText: 'Book club' }).waitFor();
    await expect.poll(() => b.locator('#badge').isHidden()).toBe(true);
  });

  it('they chat privately: delivered, then read when bob opens it; typing shows while bob types', async () => {
    await openPrivate(alice, bob.id);
    await alice.page.locator('#chat-title', { hasText: 'bob' }).waitFor();
    await send(alice, 'hello bob');
    await bubble(alice, 'hello bob').and(alice.page.locator('[data-status="delivered"]')).waitFor();
    // bob is a contact now, and online
    await alice.page.locator('#contact-list button[data-online="true"]', { hasText: 'bob' }).waitFor();

    await bob.page.locator('#conversation-list button', { hasText: 'alice' }).locator('.unread-count', { hasText: '1' }).waitFor();
    await openConversation(bob, 'alice');
    await bubble(bob, 'hello bob').waitFor();
    await bubble(alice, 'hello bob').and(alice.page.locator('[data-status="read"]')).waitFor();

    await bob.page.getByLabel('Message', { exact: true }).pressSequentially('hi alice', { delay: 15 });
    await alice.page.locator('#typing', { hasText: 'bob is typing…' }).waitFor();
    await bob.page.getByLabel('Message', { exact: true }).press('Enter');
    await bubble(alice, 'hi alice').waitFor();
    await expect.poll(() => alice.page.locator('#typing').textContent()).toBe('');
    await bubble(bob, 'hi alice').and(bob.page.locator('[data-status="read"]')).waitFor(); // alice has it open
  });

  it('they chat in the group, with the typing indicator', async () => {
    await openConversation(alice, 'Book club');
    await send(alice, 'welcome to the club');
    await bob.page.locator('#conversation-list button', { hasText: 'Book club' }).locator('.unread-count', { hasText: '1' }).waitFor();
    await openConversation(bob, 'Book club');
    await bubble(bob, 'welcome to the club').waitFor();

    await bob.page.getByLabel('Message', { exact: true }).pressSequentially('glad to be here', { delay: 15 });
    await alice.page.locator('#typing', { hasText: 'bob is typing…' }).waitFor();
    await bob.page.getByLabel('Message', { exact: true }).press('Enter');
    const reply = bubble(alice, 'glad to be here');
    await reply.waitFor();
    await expect(reply.locator('.author').textContent()).resolves.toBe('bob');

  });

  it('bob loses the network: he sees it, misses messages, queues one, and after reconnecting everything is there once', async () => {
    await openConversation(bob, 'alice');
    await goOffline(bob);
    await bob.page.locator('#chat-screen[data-connection="reconnecting"]').waitFor();
    await bob.page.locator('#banner', { hasText: 'You are offline' }).waitFor();
    await alice.page.locator('#contact-list button[data-online="false"]', { hasText: 'bob' }).waitFor();

    // alice keeps talking, privately and in the group
    for (const text of ['missed 1', 'missed 2', 'missed 3']) await send(alice, text);
    await openConversation(alice, 'bob');
    for (const text of ['private missed 1', 'private missed 2']) await send(alice, text);
    await bubble(alice, 'private missed 2').and(alice.page.locator('[data-status="stored"]')).waitFor(); // stored, not delivered
    // bob writes while offline: shown as sending, queued in the client's outbox
    await send(bob, 'written offline');
    await bubble(bob, 'written offline').and(bob.page.locator('[data-status="pending"]')).waitFor();

    await goOnline(bob);
    await bob.page.locator('#chat-screen[data-connection="open"]').waitFor();
    await expect.poll(() => bob.page.locator('#banner').isHidden()).toBe(true);
    await bubble(bob, 'private missed 2').waitFor();
    await bubble(bob, 'written offline').and(bob.page.locator('[data-status="read"]')).waitFor(); // alice has bob open
    await bubble(alice, 'written offline').waitFor();
    await bubble(alice, 'private missed 2').and(alice.page.locator('[data-status="read"]')).waitFor(); // bob has alice open
    await alice.page.locator('#contact-list button[data-online="true"]', { hasText: 'bob' }).waitFor();

    const privateSeen = await shownMessages(bob);
    expect(privateSeen.map((m) => m.text)).toEqual(['hello bob', 'hi alice', 'private missed 1', 'private missed 2', 'written offline']);
    expectStrictlyIncreasing(privateSeen.map((m) => m.id));
    expect(await shownMessages(alice)).toEqual(privateSeen.map((m) => ({ ...m, status: expect.any(String) })));
    await alice.page.screenshot({ path: join(SCREENSHOT_DIR, 'parlor-e2e-chat.png'), animations: 'disabled' });

    await bob.page.locator('#conversation-list button', { hasText: 'Book club' }).locator('.unread-count', { hasText: '3' }).waitFor();
    await openConversation(bob, 'Book club');
    await bubble(bob, 'missed 3').waitFor();
    const groupSeen = await shownMessages(bob);
    expect(groupSeen.map((m) => m.text)).toEqual(['welcome to the club', 'glad to be here', 'missed 1', 'missed 2', 'missed 3']);
    expectStrictlyIncreasing(groupSeen.map((m) => m.id));

    // What the page showed live is what the server stored: a reload draws the same conversation from history.
    await bob.page.reload();
    await openConversation(bob, 'Book club');
    await bob.page.getByText('This is the beginning of the conversation.').waitFor(); // the history page is in
    expect(await shownMessages(bob)).toEqual(groupSeen);
  });

  it('history scrolls back page by page (cursor pagination)', async () => {
    const carol = await browser.newContext({ baseURL: server.url });
    const signUpCarol = await carol.request.post('/api/auth/register', { data: { username: 'carol', password: 'correct horse battery' } });
    expect(signUpCarol.status()).toBe(201);
    const carolId = ((await signUpCarol.json()) as { id: number }).id;
    for (let i = 0; i < 70; i++) {
      let res = await carol.request.post('/api/messages/private', { data: { to: alice.id, content: `old ${i}` } });
      // REST sends share a socket's budget (40 at once, then 20/s): past it, wait as Retry-After says.
      while (res.status() === 429) {
        await new Promise((r) => setTimeout(r, Number(res.headers()['retry-after'] ?? '1') * 1000));
        res = await carol.request.post('/api/messages/private', { data: { to: alice.id, content: `old ${i}` } });
      }
      expect(res.status()).toBe(201);
    }
    await carol.close();

    await alice.page.reload();
    // Carol shares no group with alice: her name comes from GET /api/users (the SDK's ProfileCache), not "user #N",
    // and her messages are a message request, listed apart with Accept and Block (contract section 6).
    await alice.page.locator('#request-list button', { hasText: 'carol' }).waitFor();
    expect(await alice.page.locator('#conversation-list button', { hasText: 'carol' }).count()).toBe(0);
    await openPrivate(alice, carolId);
    await alice.page.locator('#chat-title', { hasText: 'carol' }).waitFor();
    await alice.page.locator('#request-bar', { hasText: 'carol wants to message you' }).waitFor();
    await alice.page.screenshot({ path: join(SCREENSHOT_DIR, 'parlor-e2e-request.png'), animations: 'disabled' });
    await bubble(alice, 'old 69').waitFor();
    await expect.poll(async () => (await shownMessages(alice)).length).toBe(30);
    await alice.page.evaluate(`document.getElementById('messages').scrollTop = 0`);
    await expect.poll(async () => (await shownMessages(alice)).length).toBe(60);
    // The keyboard way: Enter on the focused button. Focused without scrolling, because scrolling to the
    // button (a click does) brings the list's top into view, which loads the next page by itself.
    const loadOlder = alice.page.getByRole('button', { name: 'Load older messages' });
    await expect.poll(() => loadOlder.isEnabled()).toBe(true);
    await alice.page.evaluate(`document.getElementById('load-older').focus({ preventScroll: true })`);
    await alice.page.keyboard.press('Enter');
    await alice.page.getByText('This is the beginning of the conversation.').waitFor();
    const all = await shownMessages(alice);
    expect(all.map((m) => m.text)).toEqual(Array.from({ length: 70 }, (_, i) => `old ${i}`));
    expectStrictlyIncreasing(all.map((m) => m.id));
  });

  it('a message request: alice blocks carol from the request bar, and carol can no longer write to her', async () => {
    await alice.page.locator('#request-bar').getByRole('button', { name: 'Block' }).click();
    await expect.poll(() => alice.page.locator('#request-list button', { hasText: 'carol' }).count()).toBe(0);
    await alice.page.locator('#chat-title', { hasText: 'Pick a conversation' }).waitFor();
    const carol = await browser.newContext({ baseURL: server.url });
    await carol.request.post('/api/auth/login', { data: { username: 'carol', password: 'correct horse battery' } });
    const refused = await carol.request.post('/api/messages/private', { data: { to: alice.id, content: 'still there?' } });
    expect(refused.status()).toBe(403);
    await carol.close();
  });

  it('/?socket=token: the page opens its socket with a bearer token (getToken), not the cookie, and chats', async () => {
    const page = await bob.context.newPage();
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    await page.goto('/?socket=token');
    await page.locator('#chat-screen[data-connection="open"]').waitFor();
    expect(sockets).toHaveLength(1);
    expect(new URL(sockets[0]!).searchParams.get('access_token')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const tokenBob = { ...bob, page };
    await openPrivate(tokenBob, alice.id);
    await openPrivate(alice, bob.id);
    await send(alice, 'to the token socket');
    await bubble(tokenBob, 'to the token socket').waitFor();
    await page.close();
  });

  it('bob leaves Book club: it is gone from his list, stays gone after a reload, and alice sees him go from its members', async () => {
    await openConversation(bob, 'Book club');
    await bob.page.locator('#group-details summary').click();
    await bob.page.getByRole('button', { name: 'Leave group' }).click();
    const listed = bob.page.locator('#conversation-list button', { hasText: 'Book club' });
    await listed.waitFor({ state: 'detached' });
    await expect(bob.page.locator('#chat-title').textContent()).resolves.toBe('Pick a conversation');
    await openConversation(alice, 'Book club');
    await send(alice, 'after bob left');
    await alice.page.reload();
    await alice.page.locator('#chat-screen[data-connection="open"]').waitFor();
    await openConversation(alice, 'Book club');
    await alice.page.locator('#group-details summary').click();
    await expect(alice.page.locator('#member-list li').allTextContents()).resolves.toEqual([expect.stringContaining('alice (you)')]);
    await bob.page.reload();
    await bob.page.locator('#chat-screen[data-connection="open"]').waitFor();
    await expect(bob.page.locator('#conversation-list button', { hasText: 'Book club' }).count()).resolves.toBe(0);
  });

  it("alice removes bob from a group she owns: it goes from bob's page at once, by the group_removed notification", async () => {
    const created = await call(alice, 'POST', '/api/groups', { name: 'Garden' });
    expect(created.status).toBe(201);
    const groupId = created.body.id as number;
    expect((await call(alice, 'POST', '/api/groups/invite', { group_id: groupId, user_id: bob.id })).status).toBe(201);
    expect((await call(bob, 'POST', `/api/groups/${groupId}/accept`)).status).toBe(200);
    await bob.page.reload();
    await bob.page.locator('#chat-screen[data-connection="open"]').waitFor();
    const listed = bob.page.locator('#conversation-list button', { hasText: 'Garden' });
    await listed.waitFor();
    await openConversation(bob, 'Garden');
    expect((await call(alice, 'DELETE', `/api/groups/${groupId}/members/${bob.id}`)).body).toEqual({ group_id: groupId, user_id: bob.id, status: 'removed' });
    await listed.waitFor({ state: 'detached' });
    await expect(bob.page.locator('#chat-title').textContent()).resolves.toBe('Pick a conversation');
  });

  it('threw no uncaught error in either page', () => {
    expect([...alice.pageErrors, ...bob.pageErrors].map(String)).toEqual([]);
  });
}, 30_000);

function expectStrictlyIncreasing(ids: number[]): void {
  expect(ids.every((id, i) => Number.isSafeInteger(id) && (i === 0 || id > ids[i - 1]!))).toBe(true);
}
