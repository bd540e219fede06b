import { Router } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import { principalOf } from '../api/index.ts';
import { html } from './html.ts';
import { csrfField, sendPage } from './layout.ts';
import { sessionOf, type SessionStore } from './session.ts';
import { requireCsrf, WebProblem } from './forms.ts';
import { homeOf } from './ticketRoutes.ts';

const signInForm = z.object({
  token: z
    .string()
    .trim()
    .regex(/^[\x21-\x7e]{1,200}$/),
});

function signInPage(csrf: string, error?: string) {
  return html`<h1>Sign in</h1>
    <p>
      Paste the API token your administrator gave you. It is sent once, here, and never kept in this
      browser: the server opens a session and the browser holds only its cookie.
    </p>
    ${error ? html`<div class="panel error" role="alert">${error}</div>` : ''}
    <form method="post" action="/signin" class="stack">
      ${csrfField(csrf)}
      <label for="token">API token</label>
      <input
        id="token"
        name="token"
        type="password"
        autocomplete="off"
        spellcheck="false"
        required
        autofocus
      />
      <button type="submit">Sign in</button>
    </form>`;
}

/** Sign-in is anonymous: limited per client address like the anonymous ticket intake. */
export function signInRoutes(
  sessions: SessionStore,
  attempts: { limit: number; windowSeconds: number },
): Router {
  const router = Router();
  const limiter =
    attempts.limit > 0
      ? rateLimit({
          windowMs: attempts.windowSeconds * 1000,
          limit: attempts.limit,
          identifier: 'web-sign-in',
          standardHeaders: 'draft-8',
          legacyHeaders: false,
          keyGenerator: (req) => `address:${ipKeyGenerator(req.ip ?? 'unknown')}`,
          handler: (_req, _res, next) =>
            next(
              new WebProblem(
                429,
                'Too many attempts',
                'too many sign-in attempts from this address: wait a while and try again',
              ),
            ),
        })
      : (_req: unknown, _res: unknown, next: () => void) => next();

  router.get('/signin', (_req, res) => {
    sendPage(
      res,
      { title: 'Sign in', principal: principalOf(res) },
      signInPage(sessionOf(res).csrf),
    );
  });

  router.post('/signin', limiter, async (req, res) => {
    requireCsrf(req, res);
    const parsed = signInForm.safeParse(req.body);
    const principal = parsed.success ? await sessions.open(res, parsed.data.token) : null;
    if (!principal || principal.kind !== 'user') {
      return sendPage(
        res,
        { title: 'Sign in', principal: principalOf(res), status: 401 },
        signInPage(sessionOf(res).csrf, 'That token is unknown or revoked.'),
      );
    }
    res.redirect(303, homeOf(principal));
  });

  router.post('/signout', async (req, res) => {
    requireCsrf(req, res);
    await sessions.close(req, res);
    res.redirect(303, '/');
  });
  return router;
}
