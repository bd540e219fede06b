import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  capture,
  launchChromium,
  signIn,
  startWebApp,
  userWithToken,
  watchConsole,
  type WebApp,
} from '../support/browser.ts';

/** Agents, auditors and admins in a real browser. */
describe('the agent console, the auditor view and the admin pages in a browser', () => {
  let web: WebApp;
  let browser: Browser;
  let requester: { email: string; token: string; auth: { Authorization: string } };

  /** An escalated level-3 ticket, filed through the API by the requester. */
  async function escalatedTicket(description: string): Promise<string> {
    const res = await web.app.http
      .post('/api/tickets')
      .set(requester.auth)
      .set('Prefer', 'wait=10')
      .send({ subject: description, description: `${description}: the datacenter is down` });
    expect(res.body).toMatchObject({ status: 'escalated', level: 3 });
    await web.app.tf.projector.catchUp();
    return String(res.body.id);
  }

  /** Sign-in with the keyboard only: the token field has focus when the page opens. */
  async function keyboardSignIn(page: Page, token: string) {
    await page.goto(`${web.url}/signin`);
    await page.keyboard.type(token);
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => !u.pathname.startsWith('/signin'));
  }

  const notice = (page: Page) => page.locator('.notice').textContent();
  const status = (page: Page) => page.getByTestId('status').textContent();

  beforeAll(async () => {
    [web, browser] = await Promise.all([startWebApp(), launchChromium()]);
    requester = await userWithToken(web, 'requester', { email: 'rita@example.com' });
  });
  afterAll(async () => {
    await browser?.close();
    await web?.close();
  });

  let keyboardTicket = '';

  it('an agent claims, notes, holds, and resolves an escalated ticket with the keyboard only; the requester answers in between', async () => {
    keyboardTicket = await escalatedTicket('Payroll system unreachable');
    const agent = await userWithToken(web, 'agent', { email: 'kay@example.com', levels: [3] });
    const agentContext = await browser.newContext();
    const errors = watchConsole(agentContext);
    const page = await agentContext.newPage();
    await keyboardSignIn(page, agent.token);
    expect(new URL(page.url()).pathname).toBe('/queues/3');
    await capture(page, 'agent-queue');
    await page.keyboard.press('j');
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/tickets/${keyboardTicket}`);
    await page.keyboard.press('?');
    await expect(
      page.getByRole('dialog', { name: 'Keyboard shortcuts' }).isVisible(),
    ).resolves.toBe(true);
    await capture(page, 'agent-shortcuts');
    await page.keyboard.press('Escape');

    const step = async (key: string, text: string | null, done: string) => {
      await page.keyboard.press(key);
      if (text !== null) {
        await page.keyboard.type(text);
        await page.keyboard.press('Control+Enter');
      }
      await page.waitForURL(`**/tickets/${keyboardTicket}?done=${done}`);
    };
    await step('c', null, 'claim');
    await expect(notice(page)).resolves.toBe('You claimed this ticket.');
    await step('s', null, 'start');
    await step('n', 'Core switch in rack 4 looks dead; checking spares.', 'note');
    const note = page.locator('.entry-internal');
    await expect(note.textContent()).resolves.toContain('internal: not shown to the requester');
    await step('h', 'Which office are you in?', 'hold');
    await expect(status(page)).resolves.toBe('Waiting on the requester');
    await capture(page, 'agent-ticket');

    // The requester answers in another browser; the agent's page updates without a reload.
    await page.evaluate('window.__sameDocument = true');
    const requesterContext = await browser.newContext();
    const mine = await requesterContext.newPage();
    await signIn(mine, web.url, requester.token);
    await mine.goto(`${web.url}/tickets/${keyboardTicket}`);
    await expect(mine.locator('.thread').textContent()).resolves.not.toContain('Core switch');
    await mine.getByLabel('Your reply').fill('Building B, second floor.');
    await mine.getByRole('button', { name: 'Send reply' }).click();
    await mine.waitForURL(/done=reply/);
    await capture(mine, 'requester-replied');
    await expect
      .poll(() => page.locator('.thread').textContent())
      .toContain('Building B, second floor.');
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
    await expect.poll(() => page.locator('#announcer').textContent()).toContain('Ticket updated');

    await step('d', 'Replaced the core switch in building B.', 'resolve');
    await expect(status(page)).resolves.toBe('Resolved');
    // The requester confirms; the agent sees it closed, live.
    await mine.reload();
    await mine.getByRole('button', { name: 'Close the ticket' }).click();
    await mine.waitForURL(/done=close/);
    await expect(status(mine)).resolves.toBe('Closed');
    await expect.poll(() => status(page)).toBe('Closed');
    expect(errors).toEqual([]);
    await agentContext.close();
    await requesterContext.close();
  });

  it('two agents claim the same ticket at once: one wins, the other is told what changed; a third sees it live', async () => {
    const id = await escalatedTicket('Mail server refuses connections');
    const agents = await Promise.all(
      ['ann.agent@example.com', 'bo.agent@example.com', 'cy.agent@example.com'].map((email) =>
        userWithToken(web, 'agent', { email, levels: [3] }),
      ),
    );
    const pages = await Promise.all(
      agents.map(async (a, i) => {
        const context = await browser.newContext();
        // The two claimants get no live updates: otherwise the first claim can reach the second
        // page (and take its Claim button away) before its click, and the race is not a race.
        if (i < 2) await context.route(/\/live\//, (route) => route.abort());
        const page = await context.newPage();
        await signIn(page, web.url, a.token);
        await page.goto(`${web.url}/tickets/${id}`);
        return page;
      }),
    );
    const [a, b, watcher] = pages as [Page, Page, Page];
    await watcher.evaluate('window.__sameDocument = true');
    await Promise.all([
      a.getByRole('button', { name: /^Claim/ }).click(),
      b.getByRole('button', { name: /^Claim/ }).click(),
    ]);
    await Promise.all([a.waitForLoadState(), b.waitForLoadState()]);
    const outcomes = await Promise.all(
      [a, b].map(async (p) => ((await p.locator('.notice').count()) ? 'won' : 'lost')),
    );
    expect([...outcomes].sort()).toEqual(['lost', 'won']);
    const [winner, loser] = outcomes[0] === 'won' ? [a, b] : [b, a];
    const winnerEmail = winner === a ? agents[0]!.email : agents[1]!.email;
    await expect(
      loser.getByRole('heading', { name: 'This ticket changed while you were writing' }).count(),
    ).resolves.toBe(1);
    await expect(loser.locator('.panel.warn').textContent()).resolves.toContain(
      `Claimed by ${winnerEmail}`,
    );
    await capture(loser, 'agent-claim-conflict');
    await expect(winner.getByTestId('assignee').textContent()).resolves.toBe(winnerEmail);
    // The third agent's page shows the claim without a reload, and no longer offers Claim.
    await expect.poll(() => watcher.getByTestId('assignee').textContent()).toBe(winnerEmail);
    await expect(watcher.getByRole('button', { name: /^Claim/ }).count()).resolves.toBe(0);
    expect(await watcher.evaluate('window.__sameDocument')).toBe(true);
    for (const p of pages) await p.context().close();
  });

  it('an auditor moves through the versions of a ticket and sees the state at each', async () => {
    const auditor = await userWithToken(web, 'auditor', { email: 'audrey@example.com' });
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, web.url, auditor.token);
    expect(new URL(page.url()).pathname).toBe('/audit');
    await capture(page, 'auditor-tickets');
    await page.goto(`${web.url}/audit/tickets/${keyboardTicket}`);
    const last = Number(await page.getByTestId('version-shown').textContent());
    expect(last).toBeGreaterThan(8);
    await expect(page.getByTestId('state-status').textContent()).resolves.toBe('closed');
    await capture(page, 'auditor-timeline');
    // The slider, with the keyboard: Home is version 1.
    await page.getByRole('slider').focus();
    await page.keyboard.press('Home');
    await page.waitForURL(/version=1\b/);
    await expect(page.getByTestId('state-status').textContent()).resolves.toBe('received');
    // Then step by step, each state as the API's replay gives it.
    for (let v = 2; v <= last; v++) {
      await page.getByRole('link', { name: 'Next →' }).click();
      await page.waitForURL(new RegExp(`version=${v}\\b`));
      const replayed = await web.app.http
        .get(`/api/tickets/${keyboardTicket}/state?version=${v}`)
        .set({ Authorization: `Bearer ${auditor.token}` });
      await expect(page.getByTestId('state-status').textContent()).resolves.toBe(
        replayed.body.status,
      );
    }
    // Each event's stored JSON is there to read.
    await page.locator('li.current details summary').click();
    await expect(page.locator('li.current pre').textContent()).resolves.toContain(
      '"type": "TicketClosed"',
    );
    await capture(page, 'auditor-version');
    // Read-only: no form posts anything.
    await expect(
      page.locator('form[method="post"]:not([action="/signout"])').count(),
    ).resolves.toBe(0);
    await context.close();
  });

  it('an admin creates a user, issues a token shown once, and revokes it', async () => {
    const admin = await userWithToken(web, 'admin', { email: 'root@example.com' });
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, web.url, admin.token);
    expect(new URL(page.url()).pathname).toBe('/admin/users');
    await capture(page, 'admin-users');
    await page.getByLabel('Email').fill('newbie@example.com');
    await page.locator('#new-role').selectOption('agent');
    await page
      .getByRole('group', { name: 'Levels (agents)' })
      .getByLabel('2', { exact: true })
      .check();
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.waitForURL(/\/admin\/users\/[0-9a-f-]{36}$/);
    const userPage = page.url();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
      'newbie@example.com',
    );
    await page.getByRole('button', { name: 'Issue token' }).click();
    const token = await page.getByTestId('new-token').textContent();
    expect(token).toMatch(/^tf_/);
    await capture(page, 'admin-token-issued');
    // Shown once: the user's page never shows it again.
    await page.goto(userPage);
    await expect(page.getByTestId('new-token').count()).resolves.toBe(0);
    await expect(page.content()).resolves.not.toContain(token!);
    await page.getByRole('button', { name: /^Revoke/ }).click();
    await expect(page.getByRole('cell', { name: 'revoked' }).count()).resolves.toBe(1);
    await capture(page, 'admin-user');
    // The revoked token no longer opens a session.
    const other = await browser.newContext();
    const denied = await other.newPage();
    await denied.goto(`${web.url}/signin`);
    await denied.getByLabel('API token').fill(token!);
    await denied.getByRole('button', { name: 'Sign in' }).click();
    await expect(denied.getByRole('alert').textContent()).resolves.toContain('unknown or revoked');
    await capture(denied, 'signin-refused');
    await other.close();
    await context.close();
  });
});
