import { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../db/index.ts';
import { canManageUsers, UserError, type UserDirectory } from '../auth/index.ts';
import { userRoleSchema } from '../events/index.ts';
import { enforce, principalOf } from './auth.ts';
import { text } from './schemas.ts';
import { parse } from './validate.ts';
import { issuedTokenSchema, tokenListSchema, userSchema, type Sent } from './responses.ts';

const levels = z
  .array(z.union([z.literal(1), z.literal(2), z.literal(3)]))
  .min(1)
  .max(3);
export const grantBody = z
  .object({ role: userRoleSchema, levels: levels.optional(), lead: z.boolean().optional() })
  .strict();
export const createUserBody = z
  .object({
    email: z.email().max(254),
    name: text(200).optional(),
    role: userRoleSchema,
    levels: levels.optional(),
    lead: z.boolean().optional(),
  })
  .strict();
export const tokenBody = z
  .object({ role: userRoleSchema.optional(), label: text(200).optional() })
  .strict();
export const userParam = z.object({ id: z.uuid() });
export const tokenParam = z.object({ id: z.uuid(), tokenId: z.uuid() });

/** Admins manage users, roles and tokens; auditors may read them. Tokens are shown once. */
export function userRoutes(deps: {
  db: Database;
  users: UserDirectory;
  catchUp: () => Promise<void>;
}): Router {
  const router = Router();
  const actorOf = (res: Parameters<typeof principalOf>[0]) => {
    const p = principalOf(res);
    return { id: p.kind === 'user' ? p.email : 'anonymous', role: 'admin' as const };
  };
  async function userOr404(id: string) {
    const user = await deps.users.get(id);
    if (!user) throw new UserError('not_found', `no user ${id}`);
    return user;
  }

  router.get('/users', async (_req, res) => {
    enforce(canManageUsers(principalOf(res), false), 'users');
    const { rows } = await deps.db.query(
      `SELECT user_id AS id, email, name, role, roles, levels, lead, first_seen_at AS "firstSeenAt"
       FROM tf_users ORDER BY email LIMIT 1000`,
    );
    res.json({ items: rows });
  });

  router.post('/users', async (req, res) => {
    enforce(canManageUsers(principalOf(res), true), 'users');
    const body = parse(createUserBody, req.body, 'body');
    const user = await deps.users.create(body, actorOf(res));
    await deps.catchUp();
    res.status(201).location(`/api/users/${user.userId}`).json(userJson(user));
  });

  router.get('/users/:id', async (req, res) => {
    enforce(canManageUsers(principalOf(res), false), 'users');
    const { id } = parse(userParam, req.params, 'path');
    res.json(userJson(await userOr404(id)));
  });

  router.post('/users/:id/roles', async (req, res) => {
    enforce(canManageUsers(principalOf(res), true), 'users');
    const { id } = parse(userParam, req.params, 'path');
    const body = parse(grantBody, req.body, 'body');
    const user = await deps.users.grant((await userOr404(id)).email, body, actorOf(res));
    await deps.catchUp();
    res.json(userJson(user));
  });

  router.get('/users/:id/tokens', async (req, res) => {
    enforce(canManageUsers(principalOf(res), false), 'users');
    const { id } = parse(userParam, req.params, 'path');
    const user = await userOr404(id);
    res.json({
      items: [...user.tokens.entries()].map(([tokenId, t]) => ({
        id: tokenId,
        role: t.role,
        label: t.label,
        revoked: t.revoked,
      })),
    } satisfies Sent<typeof tokenListSchema>);
  });

  router.post('/users/:id/tokens', async (req, res) => {
    enforce(canManageUsers(principalOf(res), true), 'users');
    const { id } = parse(userParam, req.params, 'path');
    const body = parse(tokenBody, req.body ?? {}, 'body');
    const issued = await deps.users.issueToken((await userOr404(id)).email, body, actorOf(res));
    await deps.catchUp();
    res
      .status(201)
      .set('Cache-Control', 'no-store')
      .json({
        id: issued.tokenId,
        role: issued.role,
        userId: issued.userId,
        token: issued.token,
        note: 'shown once: store it now',
      } satisfies Sent<typeof issuedTokenSchema>);
  });

  router.delete('/users/:id/tokens/:tokenId', async (req, res) => {
    enforce(canManageUsers(principalOf(res), true), 'users');
    const { id, tokenId } = parse(tokenParam, req.params, 'path');
    await deps.users.revokeToken(id, tokenId, actorOf(res));
    await deps.catchUp();
    res.status(204).end();
  });

  return router;
}

function userJson(
  user: Awaited<ReturnType<UserDirectory['get']>> & object,
): Sent<typeof userSchema> {
  return {
    id: user.userId,
    email: user.email,
    name: user.name,
    roles: Object.entries(user.roles).map(([role, grant]) => ({
      role: userRoleSchema.parse(role),
      ...(role === 'agent' ? grant : {}),
    })),
    version: user.version,
  };
}
