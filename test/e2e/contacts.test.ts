/**
 * The demo page's contact list and blocked users, in headless Chromium
 * against the real server (docs/demo.md, "contacts with presence dots" and
 * "message requests"). Contacts are the contract's (section 6): users who
 * share an accepted group, or a private conversation both have written in,
 * and no block. The page must follow contacts made and ended by group
 * changes, keep a blocked request off after a reload, and read a large
 * number of member lists without losing any to the read rate limit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServerProcess, stopServerProcess, type ServerProcess } from '../support/process.js';
import { call, describeWithBrowser, launchBrowser, openPrivate, send, signUp, type Person } from './browser.js';

const contactNames = async (p: Person) => (await p.page.locator('#contact-list button').allTextContents()).join(' | ');

async function reload(p: Person): Promise<void> {
  await p.page.reload();
  await p.page.locator('#chat-screen[data-connection="open"]').waitFor();
}

/** `owner` creates a group and `member` accepts the invitation (over HTTP, from their pages). */
async function shareGroup(owner: Person, member: Person, name: string): Promise<number> {
  const created = await call(owner, 'POST', '/api/groups', { name });
  expect(created.status).toBe(201);
  const groupId = created.body.id as number;
  expect((await call(owner, 'POST', '/api/groups/invite', { group_id: groupId, user_id: member.id })).status).toBe(201);
  expect((await call(member, 'POST', `/api/groups/${groupId}/accept`)).status).toBe(200);
  return groupId;
}

async function startServer(env: Record<string, string>): Promise<{ dir: string; server: ServerProcess }> {
  const dir = mkdtempSync(join(tmpdir(), 'parlor-e2e-contacts-'));
  const server = await startServerProcess({ SQLITE_PATH: join(dir, 'parlor.db'), SESSION_SECRET: 'e2e-secret-e2e-secret-e2e-secret', ...env }, 120_000);
  return { dir, server };
}

describeWithBrowser('demo page: contacts and blocked users (e2e)', () => {
  let dir: string;
  let server: ServerProcess;
  let browser: Browser;

  beforeAll(async () => {
    [{ dir, server }, browser] = await Promise.all([startServer({}), launchBrowser()]);
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    if (server) await stopServerProcess(server, 'SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a stranger I wrote to is no contact until he writes back; then he stays one across a reload, though I wrote last', async () => {
    const [alice, dave] = await Promise.all([signUp(browser, server.url, 'alice1'), signUp(browser, server.url, 'dave1')]);
    await openPrivate(alice, dave.id);
    await alice.page.locator('#chat-title', { hasText: 'dave1' }).waitFor();
    await send(alice, 'hi dave');
    await alice.page.locator('#message-list li.message[data-status="stored"]').waitFor();
    await alice.page.waitForTimeout(1000);
    // The server agrees dave (online) is not alice's contact: a conversation only alice has written in.
    expect((await call(alice, 'GET', '/api/users/online')).body).toEqual({ users: [] });
    expect(await contactNames(alice)).not.toContain('dave1');

    expect((await call(dave, 'POST', '/api/messages/private', { to: alice.id, content: 'hi alice' })).status).toBe(201);
    await expect.poll(() => contactNames(alice)).toContain('dave1');
    // alice writes last, and dave's reply is not in the conversation list's summary any more: the page reads the history to know.
    await send(alice, 'how are you?');
    await alice.page.locator('#message-list li.message[data-status="delivered"]').last().waitFor();
    await dave.context.close(); // offline: the online list cannot tell alice he is a contact
    await reload(alice);
    await expect.poll(() => contactNames(alice)).toContain('dave1');
    expect(alice.pageErrors.map(String)).toEqual([]);
  }, 30_000);

  it('a user who accepts my group invitation shows up among my contacts, and stays there when he goes offline', async () => {
    const [alice, bob] = await Promise.all([signUp(browser, server.url, 'alice2'), signUp(browser, server.url, 'bob2')]);
    const a = alice.page;
    await a.getByLabel('New group').fill('Club');
    await a.getByRole('button', { name: 'Create' }).click();
    await a.locator('#chat-title', { hasText: 'Club' }).waitFor();
    await a.getByText('Members and invitations').click();
    await a.getByLabel('Invite a user').fill(String(bob.id));
    await a.getByRole('button', { name: 'Invite', exact: true }).click();
    await a.locator('#invite-result', { hasText: 'Invited bob2' }).waitFor();
    await openPrivate(alice, alice.id); // alice moves on to another conversation
    const groupId = ((await call(alice, 'GET', '/api/groups')).body.groups as Array<{ id: number }>)[0]!.id;
    expect((await call(bob, 'POST', `/api/groups/${groupId}/accept`)).status).toBe(200);
    // The server tells alice at once (presence online:true for bob: a new contact) ...
    await expect.poll(async () => (await call(alice, 'GET', '/api/users/online')).body).toEqual({ users: [bob.id] });
    // ... and the page lists him as an online contact ...
    await expect.poll(() => contactNames(alice), { timeout: 10_000 }).toContain('online: bob2');
    // ... and as an offline one once he leaves: the page read the group's members, not only the presence frame.
    await bob.context.close();
    await expect.poll(() => contactNames(alice), { timeout: 10_000 }).toContain('offline: bob2');
  }, 30_000);

  it('a user who leaves the only group we shared is no longer listed among my contacts', async () => {
    const [alice, bob] = await Promise.all([signUp(browser, server.url, 'alice4'), signUp(browser, server.url, 'bob4')]);
    const groupId = await shareGroup(alice, bob, 'Walks');
    await reload(alice);
    await expect.poll(() => contactNames(alice)).toContain('bob4'); // contacts through the group
    expect((await call(bob, 'POST', `/api/groups/${groupId}/leave`)).status).toBe(200);
    // The server no longer counts bob as alice's contact (he is online, yet not in her online list) ...
    await expect.poll(async () => (await call(alice, 'GET', '/api/users/online')).body).toEqual({ users: [] });
    // ... and the page stops listing him.
    await expect.poll(() => contactNames(alice), { timeout: 10_000 }).not.toContain('bob4');
  }, 30_000);

  it('a message request blocked from the request bar stays gone after a reload', async () => {
    const [alice, carol] = await Promise.all([signUp(browser, server.url, 'alice3'), signUp(browser, server.url, 'carol3')]);
    expect((await call(carol, 'POST', '/api/messages/private', { to: alice.id, content: 'buy my stuff' })).status).toBe(201);
    await alice.page.locator('#request-list button', { hasText: 'carol3' }).click();
    await alice.page.locator('#request-bar').getByRole('button', { name: 'Block' }).click();
    await expect.poll(() => alice.page.locator('#request-list button', { hasText: 'carol3' }).count()).toBe(0);
    await reload(alice);
    await alice.page.waitForTimeout(1000);
    expect(await alice.page.locator('#request-list button', { hasText: 'carol3' }).count()).toBe(0);
    expect(await alice.page.locator('#conversation-list button', { hasText: 'carol3' }).count()).toBe(0);
    expect(await contactNames(alice)).not.toContain('carol3');
  });
}, 60_000);

describeWithBrowser('demo page: many groups under a tight read rate limit (e2e)', () => {
  /** More member lists than the read burst holds: read all at once, some of them get 429. */
  const GROUPS = 14;
  let dir: string;
  let server: ServerProcess;
  let browser: Browser;

  beforeAll(async () => {
    // A small read budget stands for a user in ~60 groups against the default burst of 60.
    [{ dir, server }, browser] = await Promise.all([startServer({ HTTP_READ_BURST: '10', HTTP_READ_RATE_LIMIT: '5', AUTH_RATE_LIMIT: '0' }), launchBrowser()]);
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    if (server) await stopServerProcess(server, 'SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('every group contact is listed after a sign-in: member lists are read a few at a time, and a 429 is retried', async () => {
    const alice = await signUp(browser, server.url, 'alice');
    // alice's page is closed while the groups are made, so her read budget is whole when it opens again.
    await alice.page.close();
    const mates: Person[] = [];
    for (let i = 0; i < GROUPS; i++) {
      const mate = await signUp(browser, server.url, `mate${i}`);
      const created = await alice.context.request.post('/api/groups', { data: { name: `group ${i}` }, headers: { origin: server.url } });
      expect(created.status()).toBe(201);
      const groupId = ((await created.json()) as { id: number }).id;
      const invited = await alice.context.request.post('/api/groups/invite', { data: { group_id: groupId, user_id: mate.id }, headers: { origin: server.url } });
      expect(invited.status()).toBe(201);
      expect((await call(mate, 'POST', `/api/groups/${groupId}/accept`)).status).toBe(200);
      mates.push(mate);
    }
    await Promise.all(mates.map((m) => m.context.close())); // offline: only the member lists can make them contacts
    const page = await alice.context.newPage();
    await page.goto('/');
    await page.locator('#chat-screen[data-connection="open"]').waitFor();
    await expect.poll(async () => (await page.locator('#contact-list button').allTextContents()).length, { timeout: 20_000 }).toBe(GROUPS);
  }, 120_000);
}, 150_000);
