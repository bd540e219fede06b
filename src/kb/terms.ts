/** The words a ticket or an article is searched by: folded, stemmed, without stop words. */
import MiniSearch from 'minisearch';

/** Words that say nothing about which article fits (English and a little German). */
const STOP_WORDS = new Set(
  (
    'a an and are as at be been but by can cannot could do does for from has have hello hi how i ' +
    "i'm im if in into is it its me my no not of on or our please so team that the their them " +
    'then there this to too was we were what when where which who will with would you your ' +
    'thanks thank regards dear kind best help need issue problem unable able get getting got ' +
    'der die das und ist nicht ich mit bitte ein eine ' +
    // Letter-writing words that every article and every long ticket share.
    'support service desk hope message reach reaching well request requesting information ' +
    'detail details detailed regarding inquiry query question assistance assist kindly provide ' +
    'could like also appreciate any some us all am just know let want any one using use used ' +
    'currently recently since still again now today issue issues experiencing'
  ).split(' '),
);

/** Lower-case, fold accents and umlauts, drop stop words, strip common English suffixes. */
export function searchTerm(term: string): string | null {
  const t = term
    .toLowerCase()
    .replace(/ä/g, 'ae')
    .replace(/ö/g, 'oe')
    .replace(/ü/g, 'ue')
    .replace(/ß/g, 'ss')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '');
  if (t.length < 2 || STOP_WORDS.has(t) || /^\d+$/.test(t)) return null;
  return stem(t);
}

/** Irregular forms and spellings that matter for help-desk wording. */
const IRREGULAR: Record<string, string> = {
  forgotten: 'forgot',
  forget: 'forgot',
  logon: 'login',
  signin: 'login',
  logged: 'login',
  emails: 'email',
  mail: 'email',
  passwort: 'password',
  pwd: 'password',
};

function stem(t: string): string {
  const irregular = IRREGULAR[t];
  if (irregular) return irregular;
  if (t.length <= 4) return t;
  for (const [suffix, replacement] of [
    ['ies', 'y'],
    ['ing', ''],
    ['ed', ''],
    ['es', ''],
    ['s', ''],
  ] as const) {
    if (t.endsWith(suffix) && t.length - suffix.length >= 3 && !t.endsWith('ss')) {
      return t.slice(0, -suffix.length) + replacement;
    }
  }
  return t;
}

const MAIL_HEADER = /^\s*(received from|from|sent|to|cc)\s*:(.*)$/i;
const FORM_FIELD = /^\s*(name|language|browser|email|e-mail|customer number|telephone|phone)\s*:/i;

/**
 * The part of a ticket that says what it is about. Mailed tickets carry header lines
 * ("received from: <address>", "sent: <date>") and web forms a block of who filled them in (name,
 * e-mail, browser, customer number…): their words would make articles about mail or browsers look
 * relevant. Only lines that are plainly such are dropped: a header with an address or a date, form
 * fields when several come together ("Email: Outlook asks for my password" alone is a subject).
 */
export function searchableText(ticket: string): string {
  const lines = ticket.split(/\r?\n/);
  const formBlock = lines.filter((line) => FORM_FIELD.test(line)).length >= 2;
  return lines
    .filter((line) => {
      const header = MAIL_HEADER.exec(line);
      if (header && /@|<|;|\d{4}/.test(header[2]!)) return false;
      return !(formBlock && FORM_FIELD.test(line));
    })
    .join(' ')
    .replace(/\S+@\S+/g, ' ')
    .replace(/https?:\/\/\S+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const tokenize = MiniSearch.getDefault('tokenize') as (text: string) => string[];

/** The search terms of a text, in order, repeats kept. */
export function termList(text: string): string[] {
  return tokenize(text)
    .map(searchTerm)
    .filter((t): t is string => t !== null);
}

/** The distinct search terms of a text. */
export function terms(text: string): Set<string> {
  return new Set(termList(text));
}

