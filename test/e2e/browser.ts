/**
 * Support for the end-to-end tests: Debian's Chromium driven by
 * playwright-core (which downloads no browser), one context per person, and
 * the helpers that act like a person on the demo page.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { describe, it } from 'vitest';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

/**
 * A describe block that runs only where Chromium is installed. Missing: the
 * reason is printed and the suite skipped, unless REQUIRE_SERVICES=1, which
 * turns it into a failing test.
 */
export function describeWithBrowser(name: string, body: () => void, timeoutMs?: number): void {
  if (existsSync(CHROMIUM_PATH)) {
    describe(name, { timeout: timeoutMs }, body);
    return;
  }
  const reason = `no browser at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`;
  if (process.env.REQUIRE_SERVICES === '1') {
    describe(name, () => {
      it('needs Chromium (REQUIRE_SERVICES=1)', () => {
        throw new Error(`${reason}. REQUIRE_SERVICES=1 forbids skipping.`);
      });
    });
    return;
  }
  console.warn(`[skip] ${name}: ${reason}. (REQUIRE_SERVICES=1 makes this a failure.)`);
  describe.skip(name, body);
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: LAUNCH_ARGS });
}

/**
 * `context.setOffline(true)` fails HTTP requests and flips `navigator.onLine`,
 * but leaves open WebSockets alone (microsoft/playwright#4910). This init
 * script keeps a list of the page's sockets so a test can cut them as a lost
 * network would; the page itself is unchanged.
 */
const TRACK_SOCKETS = `(() => {
  const Native = window.WebSocket;
  const open = new Set();
  class TrackedWebSocket extends Native {
    constructor(...args) {
      super(...args);
      open.add(this);
      this.addEventListener('close', () => open.delete(this));
    }
  }
  window.WebSocket = TrackedWebSocket;
  window.__e2eCutSockets = () => {
    const n = open.size;
    for (const socket of open) socket.close(4000, 'e2e: network cut');
    return n;
  };
})();`;

/** One person in their own browser context (own cookies), signed up on the demo page. */
export interface Person {
  name: string;
  id: number;
  context: BrowserContext;
  page: Page;
  /** Uncaught exceptions in the page: a correct page has none. */
  pageErrors: Error[];
}

export function signUp(browser: Browser, baseUrl: string, name: string): Promise<Person> {
  return enter(browser, baseUrl, name, 'Create account');
}

/** A fresh context on the login form, nobody signed in (close it with `page.context().close()`). */
export async function loginPage(browser: Browser, baseUrl: string): Promise<Page> {
  const context = await browser.newContext({ baseURL: baseUrl });
  context.setDefaultTimeout(8_000);
  const page = await context.newPage();
  await page.goto('/');
  return page;
}

/** Another device of someone already signed up: a context of its own, signed in on the login form. */
export function signIn(browser: Browser, baseUrl: string, name: string): Promise<Person> {
  return enter(browser, baseUrl, name, 'Sign in');
}

async function enter(browser: Browser, baseUrl: string, name: string, button: 'Create account' | 'Sign in'): Promise<Person> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1100, height: 720 } });
  context.setDefaultTimeout(8_000);
  await context.addInitScript(TRACK_SOCKETS);
  const page = await context.newPage();
  const pageErrors: Error[] = [];
  page.on('pageerror', (err) => pageErrors.push(err));
  await page.goto('/');
  await page.getByLabel('Username', { exact: true }).fill(name);
  await page.getByLabel('Password', { exact: true }).fill('correct horse battery');
  await page.getByRole('button', { name: button }).click();
  const idText = await page.locator('#me-id:not(:empty)').textContent();
  await page.locator('#chat-screen[data-connection="open"]').waitFor();
  return { name, id: Number(idText), context, page, pageErrors };
}

/** A same-origin request from the person's page, with its cookie (the page has no button for some of these). */
export function call(p: Person, method: string, path: string, body?: object): Promise<{ status: number; body: Record<string, any> }> {
  return p.page.evaluate(
    async ([m, u, b]) => {
      const res = await fetch(u!, { method: m, headers: { 'content-type': 'application/json' }, body: b });
      return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, any> };
    },
    [method, path, body === undefined ? undefined : JSON.stringify(body)] as const,
  );
}

/** The network goes away: requests fail, `navigator.onLine` is false, and the open socket drops. */
export async function goOffline(p: Person): Promise<void> {
  await p.context.setOffline(true);
  await p.page.evaluate('window.__e2eCutSockets()');
}

export async function goOnline(p: Person): Promise<void> {
  await p.context.setOffline(false);
}

/** Open the private conversation with `userId` through the "Message a user" form. */
export async function openPrivate(p: Person, userId: number): Promise<void> {
  await p.page.getByLabel('Message a user').fill(String(userId));
  await p.page.getByLabel('Message a user').press('Enter');
}

/** Open a conversation from the sidebar by its title. */
export async function openConversation(p: Person, title: string): Promise<void> {
  await p.page.locator('#conversation-list button.conversation', { has: p.page.locator('.conversation-title', { hasText: title }) }).click();
  await p.page.locator('#chat-title', { hasText: title }).waitFor();
}

export async function send(p: Person, text: string): Promise<void> {
  const box = p.page.getByLabel('Message', { exact: true });
  await box.fill(text);
  await box.press('Enter');
}

/** The message bubble in the open conversation whose text is exactly `text`. */
export function bubble(p: Person, text: string) {
  return p.page.locator('#message-list li.message', { has: p.page.locator('.content', { hasText: new RegExp(`^${escapeRegExp(text)}$`) }) });
}

/** Ids and texts of the messages shown in the open conversation, top to bottom. */
export async function shownMessages(p: Person): Promise<Array<{ id: number; text: string; status: string }>> {
  return p.page.evaluate(`[...document.querySelectorAll('#message-list li.message')].map((li) => ({
    id: Number(li.dataset.id),
    text: li.querySelector('.content').textContent,
    status: li.dataset.status,
  }))`);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
