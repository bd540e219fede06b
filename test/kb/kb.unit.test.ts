import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  articleSections,
  createKnowledgeBase,
  loadKnowledgeBase,
  parseArticle,
} from '../../src/kb/index.ts';
import { FIXTURE_ARTICLES, fixtureArticles } from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'tf-kb-'));
for (const [name, text] of Object.entries(FIXTURE_ARTICLES)) writeFileSync(join(dir, name), text);
writeFileSync(join(dir, 'notes.txt'), 'not an article');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseArticle', () => {
  it('reads the front matter and the body', () => {
    const a = parseArticle(FIXTURE_ARTICLES['password-reset.md']!, 'password-reset.md');
    expect(a).toMatchObject({
      id: 'password-reset',
      title: 'Reset a forgotten password',
      category: 'account',
      tags: ['password', 'forgot', 'login', 'reset', 'cannot sign in'],
    });
    expect(a.body.startsWith('# Reset a forgotten password')).toBe(true);
  });

  it('falls back to the file name, the first heading and "general"', () => {
    const a = parseArticle('# Title from heading\n\nSome text.', 'dir/my-article.md');
    expect(a).toMatchObject({ id: 'my-article', title: 'Title from heading', category: 'general', tags: [] });
  });

  it('handles CRLF line ends and quoted values', () => {
    const a = parseArticle('---\r\nid: "x"\r\ntitle: \'X y\'\r\ntags: [a, b]\r\n---\r\nBody', 'x.md');
    expect(a).toMatchObject({ id: 'x', title: 'X y', tags: ['a', 'b'], body: 'Body' });
  });

  it('splits sections by heading', () => {
    const sections = articleSections(parseArticle(FIXTURE_ARTICLES['password-reset.md']!).body);
    expect(sections.map((s) => s.heading)).toEqual([
      'Reset a forgotten password',
      'When this applies',
      'Steps',
      'If this does not work',
    ]);
    expect(sections[2]!.text).toContain('1. Open the self-service password portal.');
  });
});

describe('knowledge base search', () => {
  it('loads the markdown files of a directory', async () => {
    const kb = await loadKnowledgeBase(dir);
    expect(kb.all().map((a) => a.id).sort()).toEqual(['password-reset', 'printer-not-printing', 'vpn-connect']);
    expect(kb.get('vpn-connect')?.category).toBe('network');
    expect(kb.get('nope')).toBeUndefined();
  });

  it('finds the right article for a ticket, with a score in 0..1', async () => {
    const kb = await loadKnowledgeBase(dir);
    const [top] = await kb.search("I forgot my password and can't log in", 3);
    expect(top?.id).toBe('password-reset');
    expect(top!.score).toBeGreaterThan(0);
    expect(top!.score).toBeLessThanOrEqual(1);
    expect((await kb.search('my printer is offline and the print queue is stuck', 1))[0]?.id).toBe(
      'printer-not-printing',
    );
    expect((await kb.search('VPN does not connect from home office', 1))[0]?.id).toBe('vpn-connect');
  });

  it('returns nothing for an unrelated ticket or an empty query', async () => {
    const kb = await loadKnowledgeBase(dir);
    expect(await kb.search('the invoice for the quarterly sales report has a wrong VAT rate', 3)).toEqual([]);
    expect(await kb.search('   ', 3)).toEqual([]);
  });

  it('respects the limit and rejects duplicate ids', async () => {
    const articles = fixtureArticles();
    const kb = createKnowledgeBase(articles, { minScore: 0 });
    expect(await kb.search('password vpn printer', 2)).toHaveLength(2);
    expect(() => createKnowledgeBase([articles[0]!, articles[0]!])).toThrow(/duplicate/);
  });

  it('is empty for a missing directory', async () => {
    const kb = await loadKnowledgeBase(join(dir, 'missing'));
    expect(kb.all()).toEqual([]);
  });
});
