import type { ErrorRequestHandler, Request, Response } from 'express';
import { problemOf, textField } from '../api/index.ts';
import { html } from './html.ts';
import { sendPage } from './layout.ts';
import { principalOf } from '../api/index.ts';
import { csrfValid } from './session.ts';

/** Text a form field may hold: the API's own rule (trimmed, bounded, storable). */
export const formText = textField;

/** An error that is already a page's answer. */
export class WebProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}

/**
 * Every form carries the session's CSRF token; a cross-site post has neither it nor (SameSite=Strict)
 * the cookies. Browsers also say where a request comes from: `Sec-Fetch-Site` must not be another
 * site, and an `Origin` header, when it names one (with `Referrer-Policy: no-referrer` Chromium
 * sends `null`), must be this server's own.
 */
export function requireCsrf(req: Request, res: Response): void {
  const site = req.get('sec-fetch-site');
  const origin = req.get('origin');
  const foreignOrigin =
    origin !== undefined && origin !== 'null' && origin !== `${req.protocol}://${req.get('host')}`;
  if (site === 'cross-site' || site === 'same-site' || foreignOrigin) {
    throw new WebProblem(403, 'Forbidden', 'this form was sent from another site');
  }
  const body = req.body as Record<string, unknown> | undefined;
  if (!csrfValid(res, body?._csrf)) {
    throw new WebProblem(
      403,
      'Form expired',
      'this form is out of date or was not sent from this site: reload the page and try again',
    );
  }
}

const signInHint = html`<p><a href="/signin">Sign in</a> with your token to continue.</p>`;

/**
 * The UI's errors as pages, with the status the API would answer (src/api/problem.ts maps every
 * error type); details that are the client's own (4xx) are shown, a 5xx says only that it failed.
 */
export const webErrorPage: ErrorRequestHandler = (error: unknown, req, res, _next) => {
  if (res.headersSent) return void (res.writableEnded || res.end());
  const p =
    error instanceof WebProblem
      ? { status: error.status, title: error.title, detail: error.detail }
      : problemOf(error, req, res);
  const detail = p.status < 500 ? p.detail : 'the server failed; try again shortly';
  sendPage(
    res,
    { title: p.title, principal: principalOf(res), status: p.status },
    html`<h1>${p.title}</h1>
      ${detail ? html`<p>${detail}</p>` : ''}${p.status === 401 ? signInHint : ''}
      <p><a href="/">Home</a></p>`,
  );
};
