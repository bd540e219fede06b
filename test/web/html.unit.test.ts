import { describe, expect, it } from 'vitest';
import { escapeHtml, html, trusted } from '../../src/web/html.ts';
import { renderMarkdown } from '../../src/web/markdown.ts';

describe('HTML from templates', () => {
  it('escapes every interpolated value, in text and in attributes', () => {
    const hostile = `<script>alert(1)</script>" onmouseover="x' \`y\` &amp;`;
    const out = html`<p title="${hostile}">${hostile}</p>`.value;
    expect(out).not.toContain('<script>');
    expect(out).not.toMatch(/" onmouseover=/);
    expect(out).toBe(`<p title="${escapeHtml(hostile)}">${escapeHtml(hostile)}</p>`);
    expect(escapeHtml(`<>&"'\``)).toBe('&lt;&gt;&amp;&quot;&#39;&#96;');
  });

  it('leaves only markup made by the module itself, and lists joined', () => {
    const inner = html`<b>${'<i>'}</b>`;
    const out = html`<div>${inner}${[inner, '<br>']}${null}${false}</div>`.value;
    expect(out).toContain('<b>&lt;i&gt;</b><b>&lt;i&gt;</b>&lt;br&gt;</div>');
    expect(out).not.toContain('null');
    expect(out).not.toContain('false');
    expect(html`${trusted('<hr>')}`.value).toBe('<hr>');
  });
});

describe('knowledge-base Markdown', () => {
  it('renders the formatting an article uses', () => {
    const out = renderMarkdown(
      '# Title\n\n1. **one**\n2. `two`\n\n[portal](https://example.com)',
    ).value;
    expect(out).toContain('<h3>Title</h3>');
    expect(out).toContain('<strong>one</strong>');
    expect(out).toContain('<code>two</code>');
    expect(out).toContain('<a href="https://example.com" rel="noopener noreferrer">portal</a>');
  });

  it('never lets an article carry script, handlers, styles or javascript: links', () => {
    const out = renderMarkdown(
      '<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1)) ' +
        '[y](JaVaScRiPt:alert(1)) [z](data:text/html,<script>alert(1)</script>)\n\n' +
        '<a href="javascript:alert(1)" style="color:red">a</a>',
    ).value;
    // Whatever is left of it is text; the tags the page gets carry none of it.
    const tags = (out.match(/<[a-z][^>]*>/gi) ?? []).join(' ');
    expect(tags).not.toMatch(/script|img|on\w+=|javascript:|data:|style=/i);
    expect(out).toContain('&lt;script&gt;');
  });
});
