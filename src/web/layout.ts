import type { Response } from 'express';
import type { Principal } from '../auth/index.ts';
import { assetUrl } from './assets.ts';
import { html, type Html } from './html.ts';
import { sessionOf } from './session.ts';

export interface PageOptions {
  title: string;
  principal: Principal;
  csrf: string;
  /** Page-level data for app.js (`data-page` on body): which keyboard map applies. */
  page?: string;
}

/** The hidden CSRF field every form carries. */
export const csrfField = (csrf: string): Html =>
  html`<input type="hidden" name="_csrf" value="${csrf}" />`;

function navLinks(p: Principal): Html[] {
  if (p.kind === 'anonymous') {
    return [html`<a href="/">New ticket</a>`, html`<a href="/signin">Sign in</a>`];
  }
  switch (p.role) {
    case 'requester':
      return [html`<a href="/">New ticket</a>`, html`<a href="/my">My tickets</a>`];
    case 'agent':
      return p.levels.map((l) => html`<a href="/queues/${l}">Level ${l} queue</a>`);
    case 'auditor':
      return [html`<a href="/audit">Tickets</a>`];
    case 'admin':
      return [html`<a href="/admin/users">Users and tokens</a>`];
    default:
      return [];
  }
}

function header(p: Principal, csrf: string): Html {
  const who =
    p.kind === 'user'
      ? html`<span class="who">${p.email} · ${p.role}</span>
          <form method="post" action="/signout" class="inline">
            ${csrfField(csrf)}<button type="submit" class="link">Sign out</button>
          </form>`
      : null;
  return html`<header class="top">
    <a class="brand" href="/">ticketflow</a>
    <nav aria-label="Main">${navLinks(p).map((l) => html`${l} `)}</nav>
    <div class="session">${who}</div>
  </header>`;
}

/** Settings htmx reads from a meta tag: no eval (the CSP forbids it), no injected styles. */
const htmxConfig = JSON.stringify({
  allowEval: false,
  allowScriptTags: false,
  includeIndicatorStyles: false,
  historyCacheSize: 0,
  selfRequestsOnly: true,
  // Not 'style': copying style attributes during a swap is an inline style the CSP refuses.
  attributesToSettle: ['class', 'width', 'height'],
});

export function layout(options: PageOptions, main: Html): Html {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <link rel="icon" href="data:," />
        <meta name="htmx-config" content="${htmxConfig}" />
        <title>${options.title} · ticketflow</title>
        <link rel="stylesheet" href="${assetUrl('app.css')}" />
        <script src="${assetUrl('htmx.min.js')}" defer></script>
        <script src="${assetUrl('sse.min.js')}" defer></script>
        <script src="${assetUrl('app.js')}" defer></script>
      </head>
      <body data-page="${options.page ?? 'plain'}">
        <a class="skip" href="#main">Skip to content</a>
        ${header(options.principal, options.csrf)}
        <main id="main" tabindex="-1">${main}</main>
        <div id="announcer" class="visually-hidden" role="status" aria-live="polite"></div>
      </body>
    </html>`;
}

/** Sends a whole page (never cached: it shows a person's tickets). */
export function sendPage(
  res: Response,
  options: Omit<PageOptions, 'csrf' | 'principal'> & { principal: Principal; status?: number },
  main: Html,
): void {
  res
    .status(options.status ?? 200)
    .set('Cache-Control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(layout({ ...options, csrf: sessionOf(res).csrf }, main).value);
}

/** Sends a fragment (htmx swaps it into a page). */
export function sendFragment(res: Response, fragment: Html): void {
  res.set('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(fragment.value);
}
