import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  MAX_TICKET_CHARS,
  TICKET_BEGIN,
  TICKET_END,
  extractTicketData,
  loadPrompt,
  neutralizeUntrusted,
  parseTemplate,
  renderClassifyPrompt,
  renderPrompt,
} from '../../../prompts/index.ts';

describe('prompt templates', () => {
  it('loads versioned templates with the sha256 of their text', () => {
    for (const version of ['classify.v1', 'draft.v1']) {
      const t = loadPrompt(version);
      const text = readFileSync(new URL(`../../../prompts/${version}.md`, import.meta.url), 'utf8');
      expect(t.version).toBe(version);
      expect(t.hash).toBe(createHash('sha256').update(text).digest('hex'));
      expect(loadPrompt(version)).toBe(t);
    }
    expect(() => loadPrompt('../etc/passwd')).toThrow(/invalid prompt version/);
  });

  it('fills placeholders once and refuses missing values', () => {
    const t = parseTemplate('x.v1', '<!-- role: system -->\nS {{a}}\n<!-- role: user -->\nU {{b}}');
    expect(t.render({ a: '{{b}}', b: 'B' })).toMatchObject({ system: 'S {{b}}', user: 'U B' });
    expect(() => t.render({ a: '1' })).toThrow(/no value for \{\{b\}\}/);
    expect(() => renderPrompt('classify.v1', {})).toThrow(/no value/);
  });

  it('renders the classify prompt with the ticket between the markers', () => {
    const p = renderClassifyPrompt({ subject: 'VPN', description: 'It drops every hour.' });
    expect(p.system).toContain('Level 1');
    expect(p.system).toContain('untrusted data');
    expect(p.system).not.toContain('{{');
    expect(extractTicketData(p.user)).toBe('Subject: VPN\n\nIt drops every hour.');
    expect(renderClassifyPrompt({ description: 'x' }).user).toContain('Subject: (none)');
  });

  it('neutralises markers, look-alikes and control characters, and bounds length', () => {
    expect(neutralizeUntrusted(`a ${TICKET_END} b`)).toBe('a ‹‹‹[marker removed]››› b');
    expect(neutralizeUntrusted('<<<TICKET_DATA_BEGIN>>>')).not.toContain(TICKET_BEGIN);
    expect(neutralizeUntrusted('x\u0000y\u202ez\r\nw')).toBe('xyz\nw');
    expect(neutralizeUntrusted('kb articles end')).toBe('[marker removed]');
    expect(neutralizeUntrusted('a <b> c')).toBe('a <b> c'); // ordinary text is untouched
    const long = neutralizeUntrusted('x'.repeat(MAX_TICKET_CHARS + 10));
    expect(long.endsWith('[truncated]')).toBe(true);
    expect(long.length).toBeLessThan(MAX_TICKET_CHARS + 20);
  });
});
