import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import {
  capture,
  launchChromium,
  signIn,
  startWebApp,
  userWithToken,
  watchConsole,
  type WebApp,
} from '../support/browser.ts';

/** The requester's side of the web UI in a real browser (Chromium through playwright-core). */
describe('the requester portal in a browser', () => {
  let web: WebApp;
  let browser: Browser;

  beforeAll(async () => {
    [web, browser] = await Promise.all([startWebApp(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await web?.close();
  });

  it('a requester writes "I forgot my password", reads the answer and its article, accepts it, and sees the ticket closed', async () => {
    const { token } = await userWithToken(web, 'requester', { email: 'ann@example.com' });
    const context = await browser.newContext();
    const errors = watchConsole(context);
    const page = await context.newPage();
    await signIn(page, web.url, token);
    await capture(page, 'requester-new-ticket');
    await page.getByLabel('What happened?').fill('I forgot my password');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.waitForURL(/\/tickets\/[0-9a-f-]{36}$/);
    await expect.poll(() => page.getByTestId('status').textContent()).toBe('Answered');
    await expect(page.getByTestId('answer').textContent()).resolves.toContain(
      'Reset a forgotten password',
    );
    // The cited article, rendered from its Markdown.
    const article = page.getByRole('region', { name: 'Knowledge-base articles cited' });
    await expect(
      article.getByRole('heading', { name: 'Reset a forgotten password' }).count(),
    ).resolves.toBe(1);
    await expect(article.locator('ol li').count()).resolves.toBeGreaterThan(2);
    await expect(page.getByRole('heading', { name: 'Did this solve it?' }).count()).resolves.toBe(
      1,
    );
    await capture(page, 'requester-answer');
    await page.getByRole('button', { name: 'Yes, this solved it' }).click();
    await expect.poll(() => page.getByTestId('status').textContent()).toBe('Closed');
    await expect(page.getByRole('status').first().textContent()).resolves.toContain('closed');
    await capture(page, 'requester-closed');
    // Signed in, the requester sees all their tickets.
    await page.getByRole('link', { name: 'My tickets' }).click();
    await page.waitForURL(/\/my$/);
    // The list is a read model: it may trail the command by a moment.
    await expect
      .poll(async () => {
        await page.reload();
        return page.getByRole('cell', { name: 'Closed' }).count();
      })
      .toBe(1);
    await capture(page, 'requester-my-tickets');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('the same with JavaScript disabled: plain forms and redirects', async () => {
    const { token } = await userWithToken(web, 'requester', { email: 'nojs@example.com' });
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await signIn(page, web.url, token);
    await page.getByLabel('What happened?').fill('I forgot my password');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.waitForURL(/\/tickets\/[0-9a-f-]{36}$/);
    await expect(page.getByTestId('status').textContent()).resolves.toBe('Answered');
    await expect(page.getByTestId('answer').textContent()).resolves.toContain(
      'Reset a forgotten password',
    );
    await page.getByRole('button', { name: 'Yes, this solved it' }).click();
    await page.waitForLoadState();
    await expect(page.getByTestId('status').textContent()).resolves.toBe('Closed');
    await context.close();
  });

  it('without signing in, the ticket lives at a private link and the page says so', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(web.url);
    await page.getByLabel('What happened?').fill('I forgot my password and cannot log in');
    await page.getByLabel('Your email').fill('walk-in@example.com');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.waitForURL(/\/tickets\/[0-9a-f-]{36}$/);
    await expect(page.getByRole('note').textContent()).resolves.toContain('This page is private');
    await expect.poll(() => page.getByTestId('status').textContent()).toBe('Answered');
    await capture(page, 'requester-private-link');
    await page.getByRole('link', { name: 'Sign in' }).first().click();
    await capture(page, 'signin');
    await context.close();
  });

  it('hostile HTML in a ticket shows as text, and the CSP blocks inline script', async () => {
    const { token } = await userWithToken(web, 'requester', { email: 'mallory@example.com' });
    const context = await browser.newContext();
    const errors = watchConsole(context);
    const page = await context.newPage();
    await signIn(page, web.url, token);
    const hostile =
      '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">' +
      '<a href="javascript:window.__pwned = 3">click</a> [md](javascript:window.__pwned=4)';
    await page.getByLabel('Subject (optional)').fill('<b onmouseover="window.__pwned=5">VPN</b>');
    await page.getByLabel('What happened?').fill(`My VPN is broken ${hostile}`);
    await page.getByRole('button', { name: 'Send' }).click();
    await page.waitForURL(/\/tickets\/[0-9a-f-]{36}$/);
    // Shown as the text it is.
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
      '<b onmouseover="window.__pwned=5">VPN</b>',
    );
    await expect(page.locator('.thread').textContent()).resolves.toContain(
      '<script>window.__pwned = 1</script>',
    );
    const main = page.locator('main');
    await expect(main.locator('script, img, a[href^="javascript:"], b').count()).resolves.toBe(0);
    await page.locator('h1').hover();
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    // An inline script that did get into the page would not run: the CSP refuses it.
    await page.evaluate(`{
      const s = document.createElement('script');
      s.textContent = 'window.__inline = 1';
      document.body.append(s);
    }`);
    expect(
      await page.evaluate(() => (globalThis as { __inline?: number }).__inline),
    ).toBeUndefined();
    await expect.poll(() => errors.some((e) => /Content Security Policy/.test(e))).toBe(true);
    await capture(page, 'hostile-ticket');
    await context.close();
  });
});
