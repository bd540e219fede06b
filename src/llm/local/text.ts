import { createHash } from 'node:crypto';
/**
 * Text preprocessing for noisy help-desk tickets: the same function runs at training and at
 * classification time, so whatever it does is part of the model.
 */

const UMLAUTS: Record<string, string> = { ä: 'ae', ö: 'oe', ü: 'ue', ß: 'ss', æ: 'ae', ø: 'oe' };

/** Lines and phrases that carry no signal about the support level. */
const NOISE_PATTERNS: RegExp[] = [
  /received from:\s*\S+/g,
  /\b(?:from|to|cc|sent|subject|von|an|gesendet|betreff):\s[^\n]*$/gm,
  /<mailto:[^>]*>/g,
  /\bhttps?:\/\/\S+/g,
  /\bwww\.\S+/g,
  /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g,
  /^\s*(?:hello|hi|hey|dear|hallo|guten (?:morgen|tag)|good (?:morning|afternoon|evening))\b[^\n]{0,30}$/gm,
  /\b(?:kind|best|warm|many|with kind)? ?regards\b[\s\S]*$/g,
  /\b(?:mit freundlichen grüßen|mit freundlichen gruessen|viele grüße|gruß|gruss)\b[\s\S]*$/g,
  /\b(?:thanks|thank you|thanks in advance|thx|danke)\b[\s.!,]*$/g,
];

/** Lowercases, folds accents and German umlauts, and removes e-mail boilerplate. */
export function normalizeText(raw: string): string {
  let text = raw.toLowerCase().replace(/\r\n?/g, '\n');
  for (const pattern of NOISE_PATTERNS) text = text.replace(pattern, ' ');
  text = text.replace(/[äöüßæø]/g, (c) => UMLAUTS[c] ?? c);
  // Mis-decoded UTF-8 (e.g. Chinese text read as cp1252) is a signal of its own.
  const mojibake = /[\u00c0-\u00ff][\u0080-\u00bf\u2018-\u203a\u20ac]/.test(text);
  text = text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  // Numbers and identifiers with digits become shape tokens: "ticket_no1550391" -> "ticket_no#".
  text = text.replace(/\d+/g, '#');
  text = text.replace(/[^\p{L}#_]+/gu, ' ').replace(/_+/g, '_');
  text = text.replace(/\s+/g, ' ').trim();
  return mojibake ? `${text} xxmojibake` : text;
}

/**
 * Tokens for who sent the ticket and which identifiers it names, appended to the normalised text.
 * Requester identity is known to a help desk at submission; in mailed tickets it is the first line
 * ("received from: <sender>"), so it comes from the description itself. The sender is kept only as
 * a short hash (`xxfrom_<hash>`) with its domain (`xxdom_<domain>`); `xxmail` marks a mailed ticket.
 * Identifiers with digits (`job_1148`, `sid_34`, `hostname_340`) keep their number in an `xxid_`
 * token, because the digit-free shape (`job_#`) cannot tell which team owns that job or host.
 * Meta tokens start with `xx` and get no character n-grams.
 */
export function metaTokens(raw: string, options: { requester?: boolean; ids?: boolean }): string[] {
  const lower = raw.toLowerCase();
  const out: string[] = [];
  if (options.requester) {
    const m = /received from:\s*([^\s@<>]+)@([\w-]+)/.exec(lower);
    if (m) {
      out.push('xxmail');
      out.push(
        `xxfrom_${createHash('sha1')
          .update(m[1]!)
          .digest('hex')
          .slice(0, 10)
          .replace(/\d/g, (d) => 'ghijklmnop'[Number(d)]!)}`,
      );
      out.push(`xxdom_${m[2]!.replace(/[^a-z]/g, '')}`);
    }
  }
  if (options.ids) {
    const seen = new Set<string>();
    for (const m of lower.matchAll(/\b([a-z]{2,})_?(\d{1,6})\b/g)) {
      const t = `xxid_${m[1]}_${[...m[2]!].map((d) => 'abcdefghij'[Number(d)]).join('')}`;
      if (!seen.has(t)) {
        seen.add(t);
        out.push(t);
      }
    }
  }
  return out;
}

/** Whether a token is a meta token of `metaTokens` (no character n-grams). */
export function isMetaToken(token: string): boolean {
  return token.startsWith('xx') && token.includes('_');
}

/** Subject and description as one string, without repeating a subject the body starts with. */
export function ticketToText(subject: string | undefined, description: string): string {
  const s = (subject ?? '').trim();
  const d = description.trim();
  if (!s) return d;
  if (d.toLowerCase().startsWith(s.toLowerCase())) return d;
  return `${s}\n${d}`;
}

export function tokenize(normalized: string): string[] {
  return normalized.split(' ').filter((t) => t.length > 0 && t !== '_');
}

/** Word unigrams and bigrams. */
export function wordGrams(tokens: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    out.push(tokens[i]!);
    if (i + 1 < tokens.length) out.push(`${tokens[i]} ${tokens[i + 1]}`);
  }
  return out;
}

/** Character n-grams inside word boundaries (like scikit-learn's `char_wb`), n in [min, max]. */
export function charGrams(tokens: string[], min: number, max: number): string[] {
  const out: string[] = [];
  for (const token of tokens) {
    if (isMetaToken(token)) continue;
    const w = ` ${token} `;
    for (let n = min; n <= max; n++) {
      if (w.length < n) {
        if (n === min) out.push(w);
        break;
      }
      for (let i = 0; i + n <= w.length; i++) out.push(w.slice(i, i + n));
    }
  }
  return out;
}

/** Names of the `structureFeatures` values, in order (for the model file and the docs). */
export const STRUCTURE_FEATURES = [
  'log tokens',
  'log subject length',
  'mis-decoded text',
  'mailed',
  'German',
  'subject equals description',
  'CRLF line ends',
  'log lines',
  'log characters',
  'web form',
  'upper-case share',
  'subject capitalised',
] as const;

/**
 * The ticket's shape rather than its words: length, how it was written (copied subject, mail,
 * web form, line ends, capitals) and its language. Normalisation removes exactly these traces, yet
 * they say who wrote the ticket and through which channel: a service-desk agent logging a call
 * ("account locked." as subject and description) or a user's long mail to a team. The stacking
 * layer weighs them against the text heads.
 */
export function structureFeatures(
  subject: string | undefined,
  description: string,
  normalized: string,
): number[] {
  const s = (subject ?? '').trim();
  const d = description;
  const all = `${subject ?? ''}${d}`;
  const upper = (all.match(/[A-Z]/g) ?? []).length;
  return [
    Math.log(1 + tokenize(normalized).length),
    Math.log(1 + s.length),
    normalized.includes('xxmojibake') ? 1 : 0,
    /received from:/i.test(d) ? 1 : 0,
    /\b(?:ich|nicht|bitte|und|der|die|das|ist)\b/i.test(d) ? 1 : 0,
    s !== '' && s.toLowerCase() === d.trim().toLowerCase() ? 1 : 0,
    d.includes('\r\n') ? 1 : 0,
    Math.log(1 + d.split('\n').length),
    Math.log(1 + all.length),
    /name\s*:.*\n?\s*language\s*:/i.test(d) ? 1 : 0,
    upper / Math.max(1, all.length),
    /^[A-Z]/.test(s) ? 1 : 0,
  ];
}
