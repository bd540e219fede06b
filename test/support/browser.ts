import { createRequire } from 'node:module';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { openKnowledgeBase } from '../../src/llm/index.ts';
import { startTestApp, type TestApp } from './harness.ts';
import { scriptedModel } from './scriptedModel.ts';
import { tokenFor } from './auth.ts';
import type { UserRole } from '../../src/events/index.ts';
import type { SupportLevel } from '../../src/llm/types.ts';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const screenshots = new URL('../../docs/screenshots/', import.meta.url).pathname;

/** Debian's Chromium, headless, with nothing that calls out to the network by itself. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-default-apps',
    ],
  });
}

export interface WebApp {
  app: TestApp;
  url: string;
  close(): Promise<void>;
}

/**
 * The whole product on PGlite behind a real HTTP server on loopback; the model is scripted (its
 * answers are the test's to know) and the knowledge base is the shipped one (kb/), so the
 * articles the pages render are the real ones.
 */
export async function startWebApp(env: Record<string, string> = {}): Promise<WebApp> {
  const app = await startTestApp('pglite', {
    llm: scriptedModel(),
    knowledgeBase: await openKnowledgeBase('kb'),
    env,
  });
  const server: Server = createServer(app.tf.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    app,
    // `localhost`: a secure context for the browser, so `Secure` cookies work over plain HTTP.
    url: `http://localhost:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await app.close();
    },
  };
}

/** A user with a role and its token (made through the product's user directory). */
export async function userWithToken(
  web: WebApp,
  role: UserRole,
  options: { email?: string; levels?: SupportLevel[]; lead?: boolean } = {},
) {
  return tokenFor(web.app, role, options);
}

/** Signs a browser context in through the sign-in page, as a person would. */
export async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/signin`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/signin'));
}

/**
 * axe-core inside the page (evaluated through the DevTools protocol, which the page's CSP does
 * not govern): no serious or critical WCAG 2.1 A/AA violation.
 */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  await page.evaluate(axeSource);
  // A string, evaluated in the page: this file is compiled without the DOM's types.
  const violations = await page.evaluate<Array<{ id: string; impact: string; targets: string[] }>>(`
    axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    }).then((result) => result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      targets: v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)),
    })))
  `);
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious, `${what}: ${JSON.stringify(serious)}`).toEqual([]);
}

/** Saves a screenshot for docs/screenshots/ and checks the page's accessibility. */
export async function capture(page: Page, name: string): Promise<void> {
  await expectAccessible(page, name);
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: `${screenshots}${name}.png`, fullPage: true });
}

/** Console errors and CSP reports a page produced (a violation is a console error in Chromium). */
export function watchConsole(context: BrowserContext): string[] {
  const errors: string[] = [];
  context.on('page', (page) => {
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
  });
  return errors;
}
