import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { eventSchemaVersions, eventTypes } from '../../src/events/index.ts';

describe('docs/events.md', () => {
  const doc = readFileSync(new URL('../../docs/events.md', import.meta.url), 'utf8');
  it.each(eventTypes)('documents %s at its current schema version', (type) => {
    expect(doc).toMatch(new RegExp(`^### ${type} \\(v${eventSchemaVersions[type]}\\)`, 'm'));
  });
});
