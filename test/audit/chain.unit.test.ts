import { describe, expect, it } from 'vitest';
import {
  canonicalEventBytes,
  canonicalTimestamp,
  chainHashes,
  eventHash,
} from '../../src/eventstore/index.ts';

/** The worked example of docs/audit.md ("The event hash"), recomputed there with sha256sum. */
const example = {
  id: '6f1c2b9e-0d1a-4c55-9a43-3c1d5e7f8a90',
  streamId: 'ticket-42',
  version: 2,
  type: 'TicketClosed',
  schemaVersion: 1,
  data: { reason: 'resolved', comment: 'Thanks, café ok' },
  metadata: { correlationId: 'c-1', actor: { role: 'agent', id: 'u-7' } },
  timestamp: '2026-01-02T03:04:05.678Z',
};
const previous = 'a'.repeat(64);

describe('the event hash', () => {
  it('hashes RFC 8785 canonical JSON of the stored fields and the previous hash', () => {
    expect(canonicalEventBytes(example, previous).toString('utf8')).toBe(
      '{"data":{"comment":"Thanks, café ok","reason":"resolved"},' +
        '"id":"6f1c2b9e-0d1a-4c55-9a43-3c1d5e7f8a90",' +
        '"metadata":{"actor":{"id":"u-7","role":"agent"},"correlationId":"c-1"},' +
        `"previousHash":"${previous}","schemaVersion":1,"streamId":"ticket-42",` +
        '"timestamp":"2026-01-02T03:04:05.678000Z","type":"TicketClosed","version":2}',
    );
    expect(eventHash(example, previous)).toBe(
      'ff298c87f265fa5cc4b98110aec789d372f5513294e2bad328aa3ceb9b68cef4',
    );
  });

  it('does not depend on key order or on how the instant is spelled', () => {
    const reordered = {
      ...example,
      data: { comment: 'Thanks, café ok', reason: 'resolved' },
      timestamp: '2026-01-02T04:04:05.678+01:00',
    };
    expect(eventHash(reordered, previous)).toBe(eventHash(example, previous));
    expect(canonicalTimestamp('2026-01-02T03:04:05.678123Z')).toBe('2026-01-02T03:04:05.678123Z');
  });

  it('changes with every field, the previous hash included', () => {
    const base = eventHash(example, previous);
    const variants = [
      { ...example, id: '00000000-0000-4000-8000-000000000000' },
      { ...example, streamId: 'ticket-43' },
      { ...example, version: 3 },
      { ...example, type: 'TicketReopened' },
      { ...example, schemaVersion: 2 },
      { ...example, data: { ...example.data, reason: 'duplicate' } },
      { ...example, metadata: { ...example.metadata, correlationId: 'c-2' } },
      { ...example, timestamp: '2026-01-02T03:04:05.679Z' },
    ];
    for (const variant of variants) expect(eventHash(variant, previous)).not.toBe(base);
    expect(eventHash(example, null)).not.toBe(base);
  });

  it('chains: each hash is the next one’s previous hash', () => {
    const first = { ...example, version: 1 };
    const [h1, h2] = chainHashes([first, example], null);
    expect(h1).toBe(eventHash(first, null));
    expect(h2).toBe(eventHash(example, h1!));
  });
});
