import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  buildProofBundle,
  openCheckpoint,
  readCheckpointFile,
  verifyAll,
  verifyBundle,
} from '../../src/audit/index.ts';
import { eventHash } from '../../src/eventstore/index.ts';
import { databaseKinds } from '../support/databases.ts';
import { openAuditedLog, type AuditedLog } from './fixtures/auditedLog.ts';

describe.each(databaseKinds)('the audit log on %s', (kind) => {
  let log: AuditedLog;
  beforeEach(async () => {
    log = await openAuditedLog(kind);
  });
  afterEach(() => log.close());

  it('sequences every event, signs checkpoints, and verifies clean', async () => {
    const tickets = [randomUUID(), randomUUID()];
    await log.append(tickets, 3);
    const first = await log.sequence();
    expect(first.size).toBe(6);
    expect(first.checkpoint?.size).toBe(6);
    await log.append(tickets, 2);
    const second = await log.sequence();
    expect(second.checkpoint?.size).toBe(10);
    // Nothing new: no checkpoint.
    expect((await log.sequence()).checkpoint).toBeNull();

    const published = readCheckpointFile(log.checkpointFile);
    expect(published.map((note) => openCheckpoint(note, log.key).size)).toEqual([6, 10]);
    const report = await verifyAll(log.db, { key: log.key, published });
    expect(report).toEqual({ findings: [], events: 10, leaves: 10, checkpoints: 4 });
  });

  it('gives a proof bundle that verifies offline, and not once a byte changed', async () => {
    const [ticket, other] = [randomUUID(), randomUUID()];
    await log.append([ticket, other], 3);
    await log.sequence();
    await log.append([ticket], 1); // after the checkpoint: chained, not yet provable

    const bundle = await buildProofBundle(log.db, `ticket-${ticket}`);
    const json = JSON.stringify(bundle);
    const report = verifyBundle(JSON.parse(json), log.key);
    expect(report).toEqual({ findings: [], uncovered: [4], checkpointSize: 6 });

    const edited = json.replace(`"comment":"${ticket}:1"`, `"comment":"${ticket}:X"`);
    expect(edited).not.toBe(json);
    const findings = verifyBundle(JSON.parse(edited), log.key).findings;
    expect(findings).toContainEqual(expect.objectContaining({ version: 2, check: 'chain' }));
    // Events edited and every hash recomputed: the chain holds, the signed tree does not.
    const forged = JSON.parse(edited) as NonNullable<typeof bundle>;
    let previous: string | null = null;
    for (const entry of forged.events) {
      entry.hash = eventHash(entry.event, previous);
      previous = entry.hash;
    }
    expect(verifyBundle(forged, log.key).findings).toEqual([
      expect.objectContaining({ version: 2, check: 'tree' }),
      expect.objectContaining({ version: 3, check: 'tree' }),
    ]);
    expect(await buildProofBundle(log.db, `ticket-${randomUUID()}`)).toBeNull();
  });
});
