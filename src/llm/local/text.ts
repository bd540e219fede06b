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
