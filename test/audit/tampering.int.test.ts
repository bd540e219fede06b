import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  chainHashes,
  chainRowsOfStream,
  eventHash,
  type ChainRow,
} from '../../src/eventstore/index.ts';
import { databaseKinds } from '../support/databases.ts';
import { tamper } from '../support/tamper.ts';
import { openAuditedLog, type AuditedLog } from './fixtures/auditedLog.ts';

/**
 * The tampering matrix of docs/audit.md: each attack done in SQL, as someone with the database
 * owner's rights would (the append-only trigger switched off), and what `verify --all` reports.
 * The log: tickets A, B, C with 4 events each, a signed checkpoint after them (size 12).
 */
describe.each(databaseKinds)('tampering with the log on %s', (kind) => {
  let log: AuditedLog;
  let a: string;
  let stream: string;
  beforeEach(async () => {
    log = await openAuditedLog(kind);
    a = randomUUID();
    stream = `ticket-${a}`;
    await log.append([a, randomUUID(), randomUUID()], 4);
    expect((await log.sequence()).checkpoint?.size).toBe(12);
    expect(await log.findings()).toEqual([]);
  });
  afterEach(() => log.close());

  const onA = (sql: string) => ({ sql, params: [stream] });
  /**
   * Rewrites ticket A's rows in place with `edit` (rows without a position are inserted) and
   * recomputes every hash and the stream row, as an attacker who knows the format would.
   */
  async function rewriteConsistently(
    edit: (rows: ChainRow[]) => Array<ChainRow | Omit<ChainRow, 'position'>>,
  ) {
    const rows = edit(await chainRowsOfStream(log.db, stream));
    const hashes = chainHashes(rows, null);
    const values = (row: Omit<ChainRow, 'position'>, i: number) => [
      -row.version,
      row.data,
      row.metadata,
      row.timestamp,
      hashes[i],
    ];
    await tamper(log.db, [
      ...rows.map((row, i) =>
        'position' in row
          ? {
              sql: `UPDATE tf_events SET version = $1, data = $2, metadata = $3, created_at = $4,
                    hash = decode($5, 'hex') WHERE position = $6`,
              params: [...values(row, i), row.position],
            }
          : {
              sql: `INSERT INTO tf_events (version, data, metadata, created_at, hash, event_id, stream_id, type, schema_version)
                    VALUES ($1, $2, $3, $4, decode($5, 'hex'), $6, $7, $8, $9)`,
              params: [...values(row, i), row.id, stream, row.type, row.schemaVersion],
            },
      ),
      onA(`UPDATE tf_events SET version = -version WHERE stream_id = $1 AND version < 0`),
      {
        sql: `UPDATE tf_streams SET version = $2, last_hash = decode($3, 'hex') WHERE stream_id = $1`,
        params: [stream, rows.length, hashes.at(-1)],
      },
    ]);
  }

  /** Every expected finding is reported, and nothing about the tickets left alone. */
  async function expectFindings(...expected: string[]) {
    const findings = await log.findings();
    for (const text of expected) expect(findings).toContain(text.replace('A', `ticket ${a}`));
    for (const finding of findings) expect(finding).toMatch(new RegExp(`^(ticket ${a}[ :]|log:)`));
    return findings;
  }
  const chainBreak = (v: number) =>
    `A version ${v}: hash does not match the stored event and the hash before it (edited, moved or forged) [chain]`;
  const leafDiffers = (v: number) =>
    new RegExp(
      `version ${v}: the event differs from the one logged as leaf \\d+ \\(rewritten\\) \\[tree\\]$`,
    );

  it.each([
    ['data', `data = jsonb_set(data, '{comment}', '"edited"')`],
    ['metadata', `metadata = jsonb_set(metadata, '{correlationId}', '"other"')`],
    ['timestamp', `created_at = created_at + interval '1 microsecond'`],
  ])(
    '%s edited: the chain breaks there; its hash recomputed: at the next, and the leaf differs',
    async (_field, set) => {
      await tamper(log.db, [
        onA(`UPDATE tf_events SET ${set} WHERE stream_id = $1 AND version = 2`),
      ]);
      expect(await expectFindings(chainBreak(2))).toHaveLength(1);
      const [, edited] = await chainRowsOfStream(log.db, stream);
      const [first] = await chainRowsOfStream(log.db, stream);
      await tamper(log.db, [
        {
          sql: `UPDATE tf_events SET hash = decode($2, 'hex') WHERE position = $1`,
          params: [edited!.position, eventHash(edited!, first!.hash)],
        },
      ]);
      const findings = await expectFindings(chainBreak(3));
      expect(findings.some((f) => leafDiffers(2).test(f))).toBe(true);
    },
  );

  it('an event deleted mid-stream: a version is missing and its leaf names a gone event', async () => {
    await tamper(log.db, [onA(`DELETE FROM tf_events WHERE stream_id = $1 AND version = 2`)]);
    const findings = await expectFindings(
      'A version 3: expected version 2: versions 2–2 are missing [chain]',
      chainBreak(3),
    );
    expect(
      findings.some((f) =>
        /version 2: logged as leaf \d+, the event is gone from the log \[tree\]$/.test(f),
      ),
    ).toBe(true);
  });

  it('an event deleted at the tail, stream row adjusted too: the leaf names a gone event', async () => {
    await tamper(log.db, [onA(`DELETE FROM tf_events WHERE stream_id = $1 AND version = 4`)]);
    await expectFindings(
      "A version 4: the stream's last event is version 3, its stream row says 4 (events missing at the tail) [chain]",
    );
    await tamper(log.db, [
      onA(
        `UPDATE tf_streams s SET version = 3, last_hash = (SELECT hash FROM tf_events WHERE stream_id = $1 AND version = 3) WHERE stream_id = $1`,
      ),
    ]);
    const findings = await log.findings();
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatch(
      new RegExp(
        `^ticket ${a} version 4: logged as leaf \\d+, the event is gone from the log \\[tree\\]$`,
      ),
    );
  });

  it('two events swapped: both break the chain', async () => {
    await tamper(log.db, [
      onA(`UPDATE tf_events SET version = -2 WHERE stream_id = $1 AND version = 2`),
      onA(`UPDATE tf_events SET version = 2 WHERE stream_id = $1 AND version = 3`),
      onA(`UPDATE tf_events SET version = 3 WHERE stream_id = $1 AND version = -2`),
    ]);
    const findings = await expectFindings(chainBreak(2), chainBreak(3));
    expect(findings.filter((f) => f.endsWith('the event moved [tree]'))).toHaveLength(2);
  });

  it('a forged event appended without the append: it has no valid hash', async () => {
    await tamper(log.db, [
      onA(`INSERT INTO tf_events (event_id, stream_id, version, type, schema_version, data, metadata, created_at)
           SELECT gen_random_uuid(), stream_id, 5, type, schema_version, data, metadata, created_at
           FROM tf_events WHERE stream_id = $1 AND version = 4`),
    ]);
    await expectFindings('A version 5: no hash: written outside the append [chain]');
  });

  it('a forged event inserted mid-stream with every hash recomputed: the tree catches it', async () => {
    await rewriteConsistently((rows) => {
      const copy: Omit<ChainRow, 'position'> = { ...rows[1]! };
      delete (copy as Partial<ChainRow>).position;
      const forged = {
        ...copy,
        id: randomUUID(),
        data: { ...(copy.data as object), comment: 'forged' },
      };
      return [rows[0]!, forged, ...rows.slice(1)].map((row, i) => ({ ...row, version: i + 1 }));
    });
    const findings = await log.findings();
    expect(findings.filter((f) => f.endsWith('[chain]'))).toEqual([]);
    expect(findings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^ticket ${a} version 2: .*\\[tree\\]$`)),
      ]),
    );
  });

  it('a whole stream rewritten with new hashes: leaves differ; leaves rewritten too: the signed root fails', async () => {
    await rewriteConsistently((rows) =>
      rows.map((row) => ({ ...row, data: { ...(row.data as object), comment: 'rewritten' } })),
    );
    const findings = await log.findings();
    expect(findings.filter((f) => f.endsWith('[chain]'))).toEqual([]);
    for (const v of [1, 2, 3, 4]) expect(findings.some((f) => leafDiffers(v).test(f))).toBe(true);
    // The attacker fixes the leaves as well: only the signature over the old root remains.
    await log.db.query(
      `UPDATE tf_audit_leaves l SET event_hash = e.hash FROM tf_events e
       WHERE e.stream_id = l.stream_id AND e.version = l.version AND l.stream_id = $1`,
      [stream],
    );
    expect(await log.findings()).toEqual([
      'log: signed checkpoint of 12 events: the audit log no longer gives its root (history rewritten) [checkpoint]',
      'log: signed checkpoint of 12 events: the audit log no longer gives its root (history rewritten) [checkpoint]',
    ]);
  });

  it('the log truncated, audit tables and stream rows too: the published checkpoint is ahead of it', async () => {
    const { rows } = await log.db.query<{ position: number }>(
      `SELECT position FROM tf_audit_leaves WHERE leaf_index = 5`,
    );
    const cut = Number(rows[0]!.position);
    await tamper(log.db, [
      { sql: `DELETE FROM tf_events WHERE position > $1`, params: [cut] },
      { sql: `DELETE FROM tf_audit_leaves WHERE leaf_index > 5`, params: [] },
      `DELETE FROM tf_audit_checkpoints`,
      `DELETE FROM tf_streams s WHERE NOT EXISTS (SELECT 1 FROM tf_events e WHERE e.stream_id = s.stream_id)`,
      `UPDATE tf_streams s SET version = e.version, last_hash = e.hash FROM tf_events e
       WHERE e.stream_id = s.stream_id AND e.version = (SELECT max(version) FROM tf_events x WHERE x.stream_id = s.stream_id)`,
    ]);
    expect(await log.findings()).toEqual([
      'log: signed checkpoint of 12 events, the audit log has 6: the log was truncated or restored to an older state [checkpoint]',
    ]);
  });

  it('restored to an older state after a checkpoint was published, then written to: the published roots fail', async () => {
    // The state at checkpoint 12, as a backup would hold it.
    const backup = {
      events: (await log.db.query<{ n: number }>(`SELECT max(position) AS n FROM tf_events`))
        .rows[0]!.n,
    };
    await log.append([a], 2);
    expect((await log.sequence()).checkpoint?.size).toBe(14);
    // Restore: everything after the backup is gone (the published file is not the database's).
    await tamper(log.db, [
      { sql: `DELETE FROM tf_events WHERE position > $1`, params: [Number(backup.events)] },
      `DELETE FROM tf_audit_leaves WHERE leaf_index >= 12`,
      `DELETE FROM tf_audit_checkpoints WHERE tree_size > 12`,
      onA(
        `UPDATE tf_streams SET version = 4, last_hash = (SELECT hash FROM tf_events WHERE stream_id = $1 AND version = 4) WHERE stream_id = $1`,
      ),
    ]);
    expect(await log.findings()).toEqual([
      'log: signed checkpoint of 14 events, the audit log has 12: the log was truncated or restored to an older state [checkpoint]',
    ]);
    // Life goes on after the restore: other events take the places the published tree had.
    await log.append([randomUUID()], 2);
    await log.sequence();
    expect(await log.findings()).toContain(
      'log: signed checkpoint of 14 events: the audit log no longer gives its root (history rewritten) [checkpoint]',
    );
  });
});
