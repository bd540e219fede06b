import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';
import { trusted, type Html } from './html.ts';

/**
 * Knowledge-base articles are Markdown written by the team, but still rendered defensively: raw
 * HTML in the source is escaped by markdown-it (`html: false`), and its output then goes through
 * sanitize-html with a short allow-list (no attributes but links' href and http(s)/mailto only),
 * so an article can never carry script, styles, event handlers or `javascript:` links.
 */
const markdown = new MarkdownIt({ html: false, linkify: false, typographer: false });

const allowed: sanitizeHtml.IOptions = {
  allowedTags: [
    'p',
    'br',
    'strong',
    'em',
    'code',
    'pre',
    'blockquote',
    'ul',
    'ol',
    'li',
    'h3',
    'h4',
    'h5',
    'h6',
    'a',
    'hr',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
  ],
  allowedAttributes: { a: ['href', 'rel'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowProtocolRelative: false,
  // Headings inside an article sit below the page's own h1/h2.
  transformTags: {
    h1: 'h3',
    h2: 'h4',
    a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer' }),
  },
};

export function renderMarkdown(source: string): Html {
  return trusted(sanitizeHtml(markdown.render(source), allowed));
}
