import { describe, expect, it } from 'vitest';
import {
  checkpointText,
  generateKeys,
  openCheckpoint,
  openNote,
  parseSignerKey,
  parseVerifierKey,
  signNote,
} from '../../src/audit/index.ts';

/** The example of c2sp.org/signed-note, "Verifier keys" (github.com/C2SP/C2SP signed-note.md). */
const specKey = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
const specNote =
  'This is an example message.\n\n' +
  '— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';

describe('signed notes', () => {
  it('verify the C2SP specification example, and not once a byte changed', () => {
    const key = parseVerifierKey(specKey);
    expect(openNote(specNote, key)).toBe('This is an example message.\n');
    expect(() => openNote(specNote.replace('example message', 'example massage'), key)).toThrow(
      /does not verify/,
    );
  });

  it('sign checkpoints with a generated key that its verifier key opens', () => {
    const { signer, verifier } = generateKeys('ticketflow.example/log');
    expect(verifier).toMatch(/^ticketflow\.example\/log\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$/);
    const root = Buffer.alloc(32, 7);
    const note = signNote(
      checkpointText({ origin: 'ticketflow.example/log', size: 12, root }),
      parseSignerKey(signer),
    );
    expect(note.split('\n').slice(0, 3)).toEqual([
      'ticketflow.example/log',
      '12',
      root.toString('base64'),
    ]);
    expect(note).toMatch(/\n\n— ticketflow\.example\/log [A-Za-z0-9+/=]+\n$/);
    const opened = openCheckpoint(note, parseVerifierKey(verifier));
    expect(opened).toEqual({ origin: 'ticketflow.example/log', size: 12, root });
    // Another key of the same name: its signature is not this one's.
    const other = parseVerifierKey(generateKeys('ticketflow.example/log').verifier);
    expect(() => openCheckpoint(note, other)).toThrow(/no signature/);
    expect(() =>
      openCheckpoint(note.replace('\n12\n', '\n13\n'), parseVerifierKey(verifier)),
    ).toThrow();
  });

  it('refuse keys whose id does not match', () => {
    expect(() => parseVerifierKey(specKey.replace('530d903a', '530d903b'))).toThrow(/key id/);
    expect(() => parseVerifierKey('nonsense')).toThrow(/malformed/);
  });
});
