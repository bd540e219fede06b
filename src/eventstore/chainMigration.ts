/**
 * Chains the events stored before the hash chain existed, from what they are when the migration
 * runs ("verifiable from here": docs/audit.md).
 */
import type { SqlExecutor } from '../db/index.ts';
import { eventHash } from './chain.ts';
import { chainRowsByStream } from './chainRows.ts';

export async function chainExistingStreams(tx: SqlExecutor): Promise<void> {
  let previous: { streamId: string; hash: string } | null = null;
  for await (const page of chainRowsByStream(tx)) {
    const positions: number[] = [];
    const hashes: string[] = [];
    for (const row of page) {
      const before = previous?.streamId === row.streamId ? previous.hash : null;
      const hash = eventHash(row, before);
      positions.push(row.position);
      hashes.push(hash);
      previous = { streamId: row.streamId, hash };
    }
    await tx.query(
      `UPDATE tf_events e SET hash = decode(u.hash, 'hex')
       FROM unnest($1::bigint[], $2::text[]) AS u(position, hash) WHERE e.position = u.position`,
      [positions, hashes],
    );
  }
  await tx.query(
    `UPDATE tf_streams s SET last_hash = e.hash FROM tf_events e
     WHERE e.stream_id = s.stream_id AND e.version = s.version`,
  );
}
