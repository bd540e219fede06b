import { liveTable, type Projection } from '../src/projector/index.ts';
import { writeRows } from '../src/projector/index.ts';

/**
 * People known to the help desk: requesters appear with their first ticket; users created by an
 * admin (UserCreated, RoleGranted in their `user-<id>` stream) carry their id, roles and levels.
 */
export const usersProjection: Projection = {
  name: 'users',
  tables: ['tf_users'],
  migrations: [
    {
      id: '130_users',
      statements: [
        `CREATE TABLE tf_users (
          email text PRIMARY KEY,
          name text,
          role text NOT NULL,
          first_seen_at timestamptz NOT NULL
        )`,
      ],
    },
    {
      id: '131_users_identities',
      statements: [
        `ALTER TABLE tf_users ADD COLUMN user_id uuid UNIQUE`,
        `ALTER TABLE tf_users ADD COLUMN roles text[] NOT NULL DEFAULT '{}'`,
        `ALTER TABLE tf_users ADD COLUMN levels smallint[] NOT NULL DEFAULT '{}'`,
        `ALTER TABLE tf_users ADD COLUMN lead boolean NOT NULL DEFAULT false`,
      ],
    },
  ],
  handles: ['TicketReceived', 'UserCreated', 'RoleGranted'],

  async apply(tx, events, table = liveTable) {
    const byEmail = new Map<string, Record<string, unknown>>();
    for (const event of events) {
      if (event.type !== 'TicketReceived') continue;
      const email = event.data.requester.email.toLowerCase();
      if (byEmail.has(email)) continue;
      byEmail.set(email, {
        email,
        name: event.data.requester.name ?? null,
        role: 'requester',
        first_seen_at: event.timestamp,
      });
    }
    await writeRows(tx, 'insert', table('tf_users'), ['email'], [...byEmail.values()]);
    // Identity events are rare: one statement each, in order.
    for (const event of events) {
      if (event.type === 'UserCreated') {
        await tx.query(
          `INSERT INTO ${table('tf_users')} AS tf_users (email, name, role, first_seen_at, user_id) VALUES ($1, $2, 'requester', $3, $4)
           ON CONFLICT (email) DO UPDATE SET user_id = EXCLUDED.user_id,
             name = COALESCE(EXCLUDED.name, tf_users.name),
             first_seen_at = LEAST(tf_users.first_seen_at, EXCLUDED.first_seen_at)`,
          [
            event.data.email.toLowerCase(),
            event.data.name ?? null,
            event.timestamp,
            event.data.userId,
          ],
        );
      } else if (event.type === 'RoleGranted') {
        const agent = event.data.role === 'agent';
        await tx.query(
          `UPDATE ${table('tf_users')} SET role = $2,
             roles = CASE WHEN $2 = ANY(roles) THEN roles ELSE array_append(roles, $2::text) END,
             levels = CASE WHEN $3 THEN $4::smallint[] ELSE levels END,
             lead = CASE WHEN $3 THEN $5 ELSE lead END
           WHERE user_id = $1`,
          [
            event.data.userId,
            event.data.role,
            agent,
            event.data.levels ?? [],
            event.data.lead ?? false,
          ],
        );
      }
    }
  },
};
