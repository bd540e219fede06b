import type { Projection } from '../src/projector/index.ts';

/** Reference data: the three support levels and what they mean. */
export const supportLevelsProjection: Projection = {
  name: 'support_levels',
  tables: [],
  migrations: [
    {
      id: '140_support_levels',
      statements: [
        `CREATE TABLE tf_support_levels (
          level smallint PRIMARY KEY,
          name text NOT NULL,
          description text NOT NULL
        )`,
        `INSERT INTO tf_support_levels (level, name, description) VALUES
          (1, 'First level', 'Answerable from the knowledge base or a standard procedure: passwords, lockouts, MFA, VPN client, email, printers, Wi-Fi, how-to questions, software requests.'),
          (2, 'Specialist', 'Needs a specialist team: application errors, ERP functions, access changes that need approval, hardware repair, licences, integrations.'),
          (3, 'Infrastructure', 'Infrastructure and incidents: outages, servers, networks, batch jobs, storage and backups, security incidents.')`,
      ],
    },
  ],
  handles: [],
  async apply() {},
};
