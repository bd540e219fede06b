/** The signing key from configuration: the variable itself or a file it names. */
import { readFileSync } from 'node:fs';
import type { Config } from '../config/index.ts';
import { parseSignerKey, type SignerKey } from './note.ts';

export type AuditKeyConfig = Pick<Config, 'AUDIT_SIGNING_KEY' | 'AUDIT_SIGNING_KEY_FILE'>;

/** Null when none is configured; a malformed key throws without echoing it. */
export function signerFromConfig(config: AuditKeyConfig): SignerKey | null {
  const text =
    config.AUDIT_SIGNING_KEY ??
    (config.AUDIT_SIGNING_KEY_FILE ? readFileSync(config.AUDIT_SIGNING_KEY_FILE, 'utf8') : null);
  if (text === null) return null;
  try {
    return parseSignerKey(text);
  } catch {
    throw new Error('AUDIT_SIGNING_KEY(_FILE): not a signer key made by `keys create`');
  }
}

/** The notes in a checkpoint file the sequencer appends to (one JSON object per line). */
export function readCheckpointFile(path: string): string[] {
  const notes: string[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const parsed = JSON.parse(line) as { note?: unknown };
    if (typeof parsed.note === 'string') notes.push(parsed.note);
  }
  return notes;
}
