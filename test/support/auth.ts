import type { UserRole } from '../../src/events/index.ts';
import type { SupportLevel } from '../../src/llm/types.ts';
import type { TestApp } from './harness.ts';

const bootstrap = { id: 'test-bootstrap', role: 'admin' as const };

/**
 * A user with one role and a token for it, made through the product's own user directory
 * (events in the user's stream), with the read models caught up so the token works at once.
 */
export async function tokenFor(
  app: Pick<TestApp, 'tf'>,
  role: UserRole,
  options: { email?: string; levels?: SupportLevel[]; lead?: boolean } = {},
): Promise<{ email: string; token: string; auth: { Authorization: string } }> {
  const email = (
    options.email ?? `${role}-${Math.random().toString(36).slice(2, 8)}@example.com`
  ).toLowerCase();
  const existing = (await app.tf.users.load(email)).user;
  if (!existing) {
    await app.tf.users.create(
      {
        email,
        role,
        ...(options.levels ? { levels: options.levels } : {}),
        ...(options.lead ? { lead: true } : {}),
      },
      bootstrap,
    );
  } else if (!existing.roles[role]) {
    await app.tf.users.grant(
      email,
      { role, ...(options.levels ? { levels: options.levels } : {}) },
      bootstrap,
    );
  }
  const { token } = await app.tf.users.issueToken(email, { role }, bootstrap);
  await app.tf.projector.catchUp();
  return { email, token, auth: { Authorization: `Bearer ${token}` } };
}
