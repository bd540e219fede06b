import type { Projection } from '../src/projector/types.ts';
import { writeRows } from '../src/projector/rows.ts';

/** People known to the help desk; requesters appear with their first ticket. */
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
  ],
  handles: ['TicketReceived'],

  async apply(tx, events) {
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
    await writeRows(tx, 'insert', 'tf_users', ['email'], [...byEmail.values()]);
  },
};
