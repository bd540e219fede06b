import type { KbArticle } from '../llm/index.ts';

/**
 * Parses one knowledge-base article:
 *
 * ```
 * ---
 * id: vpn-connect
 * title: Connect to the company VPN
 * category: network
 * tags: vpn, anyconnect, remote access
 * ---
 * # Markdown body
 * ```
 *
 * `id` defaults to the file name without `.md`; `title` to the body's first heading.
 */
export function parseArticle(text: string, fileName = 'article.md'): KbArticle {
  const source = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const match = /^---\n([\s\S]*?)\n---[ \t]*(?:\n|$)/.exec(source);
  const fields = new Map<string, string>();
  let body = source;
  if (match) {
    for (const line of match[1]!.split('\n')) {
      const at = line.indexOf(':');
      if (at <= 0) continue;
      const key = line.slice(0, at).trim().toLowerCase();
      const value = line
        .slice(at + 1)
        .trim()
        .replace(/^(["'])(.*)\1$/, '$2');
      fields.set(key, value);
    }
    body = source.slice(match[0].length);
  }
  body = body.trim();
  const heading = /^#\s+(.+)$/m.exec(body)?.[1]?.trim();
  const id = fields.get('id') || fileName.replace(/\.md$/i, '').split(/[\\/]/).pop()!;
  const title = fields.get('title') || heading || id;
  const tagsField = (fields.get('tags') ?? '').replace(/^\[(.*)\]$/, '$1');
  const tags = tagsField
    .split(',')
    .map((t) => t.trim().replace(/^(["'])(.*)\1$/, '$2'))
    .filter((t) => t.length > 0);
  if (!body) throw new Error(`${fileName}: empty article body`);
  return { id, title, category: fields.get('category') || 'general', tags, body };
}

/** The article's body split into its markdown sections, keyed by lower-cased heading. */
export function articleSections(body: string): Array<{ heading: string; text: string }> {
  const sections: Array<{ heading: string; text: string }> = [];
  let heading = '';
  let lines: string[] = [];
  const flush = () => {
    const text = lines.join('\n').trim();
    if (text || heading) sections.push({ heading, text });
  };
  for (const line of body.split('\n')) {
    const h = /^#{1,6}\s+(.+)$/.exec(line);
    if (h) {
      flush();
      heading = h[1]!.trim();
      lines = [];
    } else lines.push(line);
  }
  flush();
  return sections;
}
