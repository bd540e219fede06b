import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Database } from '../db/index.ts';
import { canManageUsers, UserError, type UserDirectory, type UserState } from '../auth/index.ts';
import { userRoleSchema, type UserRole } from '../events/index.ts';
import type { SupportLevel } from '../../machines/index.ts';
import { enforce, principalOf } from '../api/index.ts';
import { html, type Html, when } from './html.ts';
import { csrfField, sendPage } from './layout.ts';
import { sessionOf } from './session.ts';
import { formText, requireCsrf, WebProblem } from './forms.ts';

const roles = userRoleSchema.options;
const levelsField = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]))
  .pipe(z.array(z.enum(['1', '2', '3']).transform((l) => Number(l) as SupportLevel)).max(3));
const grantForm = z.object({
  role: userRoleSchema,
  levels: levelsField,
  lead: z.literal('on').optional(),
});
const userForm = grantForm.extend({
  email: z.email().max(254),
  name: formText(200).optional().or(z.literal('')),
});
const tokenForm = z.object({
  role: userRoleSchema,
  label: formText(200).optional().or(z.literal('')),
});
const userParam = z.object({ id: z.uuid() });
const tokenParam = z.object({ id: z.uuid(), tokenId: z.uuid() });

function roleFields(prefix: string): Html {
  return html`<label for="${prefix}-role">Role</label>
    <select id="${prefix}-role" name="role">
      ${roles.map((r) => html`<option value="${r}">${r}</option>`)}
    </select>
    <fieldset>
      <legend>Levels (agents)</legend>
      ${[1, 2, 3].map((l) => html`<label class="check"><input type="checkbox" name="levels" value="${l}" /> ${l}</label>`)}
      <label class="check"><input type="checkbox" name="lead" /> lead (may assign)</label>
    </fieldset>`;
}

const grantOf = (f: z.infer<typeof grantForm>) => ({
  role: f.role,
  ...(f.role === 'agent' ? { levels: f.levels.length ? f.levels : ([1] as SupportLevel[]) } : {}),
  ...(f.lead ? { lead: true } : {}),
});

export function adminRoutes(deps: {
  db: Database;
  users: UserDirectory;
  catchUp: () => Promise<void>;
}): Router {
  const router = Router();
  const guard = (res: Response, write: boolean) =>
    enforce(canManageUsers(principalOf(res), write), 'users and tokens');
  const actorOf = (res: Response) => {
    const p = principalOf(res);
    return { id: p.kind === 'user' ? p.email : 'anonymous', role: 'admin' as const };
  };
  const form = <T extends z.ZodType>(schema: T, req: Request): z.infer<T> => {
    const parsed = schema.safeParse(req.body);
    if (!parsed.success)
      throw new WebProblem(
        422,
        'Please check the form',
        parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      );
    return parsed.data;
  };
  async function userOr404(req: Request): Promise<UserState> {
    const p = userParam.safeParse(req.params);
    const user = p.success ? await deps.users.get(p.data.id) : null;
    if (!user) throw new UserError('not_found', 'no such user');
    return user;
  }

  router.get('/admin/users', async (_req, res) => {
    guard(res, false);
    const { rows } = await deps.db.query<{
      id: string;
      email: string;
      name: string | null;
      roles: string[];
    }>(`SELECT user_id AS id, email, name, roles FROM tf_users ORDER BY email LIMIT 1000`);
    const csrf = sessionOf(res).csrf;
    sendPage(
      res,
      { title: 'Users and tokens', principal: principalOf(res) },
      html`<h1>Users and tokens</h1>
        <table class="list">
          <caption class="visually-hidden">
            Users
          </caption>
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Name</th>
              <th scope="col">Roles</th>
            </tr>
          </thead>
          <tbody>
            ${rows.map(
              (u) =>
                html`<tr>
                  <td><a href="/admin/users/${u.id}">${u.email}</a></td>
                  <td>${u.name ?? ''}</td>
                  <td>${(u.roles ?? []).join(', ')}</td>
                </tr>`,
            )}
          </tbody>
        </table>
        <form method="post" action="/admin/users" class="stack panel" aria-labelledby="new-user-h">
          <h2 id="new-user-h">New user</h2>
          ${csrfField(csrf)} <label for="new-email">Email</label
          ><input id="new-email" name="email" type="email" required />
          <label for="new-name">Name (optional)</label><input id="new-name" name="name" />
          ${roleFields('new')}
          <button type="submit">Create user</button>
        </form>`,
    );
  });

  router.post('/admin/users', async (req, res) => {
    requireCsrf(req, res);
    guard(res, true);
    const f = form(userForm, req);
    const user = await deps.users.create(
      { email: f.email.toLowerCase(), ...(f.name ? { name: f.name } : {}), ...grantOf(f) },
      actorOf(res),
    );
    await deps.catchUp();
    res.redirect(303, `/admin/users/${user.userId}`);
  });

  const userPage = (res: Response, user: UserState, issued?: { token: string; role: UserRole }) => {
    const csrf = sessionOf(res).csrf;
    sendPage(
      res,
      { title: user.email, principal: principalOf(res) },
      html`<h1>${user.email}</h1>
        ${when(
          issued,
          () =>
            html`<section class="panel warn" role="alert" aria-labelledby="issued-h">
              <h2 id="issued-h">New ${issued!.role} token: shown once</h2>
              <p>Copy it now and hand it over safely; it cannot be shown again.</p>
              <p><code class="token" data-testid="new-token">${issued!.token}</code></p>
            </section>`,
        )}
        <h2>Roles</h2>
        <ul>
          ${Object.entries(user.roles).map(([role, g]) => html`<li>${role}${g && 'levels' in g && g.levels ? ` (levels ${g.levels.join(', ')}${g.lead ? ', lead' : ''})` : ''}</li>`)}
        </ul>
        <form
          method="post"
          action="/admin/users/${user.userId}/roles"
          class="stack panel"
          aria-labelledby="grant-h"
        >
          <h2 id="grant-h">Grant a role</h2>
          ${csrfField(csrf)}${roleFields('grant')}<button type="submit">Grant</button>
        </form>
        <h2>Tokens</h2>
        <table class="list">
          <caption class="visually-hidden">
            Tokens of ${user.email}
          </caption>
          <thead>
            <tr>
              <th scope="col">Label</th>
              <th scope="col">Role</th>
              <th scope="col">State</th>
              <th scope="col"><span class="visually-hidden">Action</span></th>
            </tr>
          </thead>
          <tbody>
            ${[...user.tokens.entries()].map(
              ([tokenId, t]) =>
                html`<tr>
                  <td>${t.label ?? '(no label)'}</td>
                  <td>${t.role}</td>
                  <td>${t.revoked ? 'revoked' : 'active'}</td>
                  <td>
                    ${
                      t.revoked
                        ? ''
                        : html`<form
                            method="post"
                            action="/admin/users/${user.userId}/tokens/${tokenId}/revoke"
                            class="inline"
                          >
                            ${csrfField(csrf)}<button type="submit">
                              Revoke<span class="visually-hidden">
                                token ${t.label ?? tokenId}</span
                              >
                            </button>
                          </form>`
                    }
                  </td>
                </tr>`,
            )}
          </tbody>
        </table>
        <form
          method="post"
          action="/admin/users/${user.userId}/tokens"
          class="stack panel"
          aria-labelledby="issue-h"
        >
          <h2 id="issue-h">Issue a token</h2>
          ${csrfField(csrf)}
          <label for="token-role">Role</label>
          <select id="token-role" name="role">
            ${Object.keys(user.roles).map((r) => html`<option value="${r}">${r}</option>`)}
          </select>
          <label for="token-label">Label (optional)</label><input id="token-label" name="label" />
          <button type="submit">Issue token</button>
        </form>
        <p><a href="/admin/users">All users</a></p>`,
    );
  };

  router.get('/admin/users/:id', async (req, res) => {
    guard(res, false);
    userPage(res, await userOr404(req));
  });

  router.post('/admin/users/:id/roles', async (req, res) => {
    requireCsrf(req, res);
    guard(res, true);
    const user = await userOr404(req);
    await deps.users.grant(user.email, grantOf(form(grantForm, req)), actorOf(res));
    await deps.catchUp();
    res.redirect(303, `/admin/users/${user.userId}`);
  });

  router.post('/admin/users/:id/tokens', async (req, res) => {
    requireCsrf(req, res);
    guard(res, true);
    const user = await userOr404(req);
    const f = form(tokenForm, req);
    const issued = await deps.users.issueToken(
      user.email,
      { role: f.role, ...(f.label ? { label: f.label } : {}) },
      actorOf(res),
    );
    await deps.catchUp();
    // Shown in this answer only: no redirect that would put it in a URL or a cache.
    userPage(res, (await deps.users.get(user.userId)) ?? user, {
      token: issued.token,
      role: issued.role,
    });
  });

  router.post('/admin/users/:id/tokens/:tokenId/revoke', async (req, res) => {
    requireCsrf(req, res);
    guard(res, true);
    const p = tokenParam.safeParse(req.params);
    if (!p.success) throw new UserError('not_found', 'no such token');
    await deps.users.revokeToken(p.data.id, p.data.tokenId, actorOf(res));
    await deps.catchUp();
    res.redirect(303, `/admin/users/${p.data.id}`);
  });
  return router;
}
