/**
 * Prompt-injection screening: ticket text is data, but a ticket that tries to instruct the model
 * (force level 1, an automatic answer, a confidence, or the instructions repeated) is not answered
 * automatically whatever the model says. The screen reads the ticket itself, not the model's
 * output, so it holds for an obedient model too; docs/llm.md, "Prompt injection".
 */
import { ModelError, type LanguageModel, type TicketText } from './types.ts';

/** One kind of instruction a requester has no reason to write to a help desk. */
interface InjectionPattern {
  name: string;
  pattern: RegExp;
}

// Matched against the ticket lowercased, accents removed and whitespace collapsed, so "Klassifizière"
// and "clasificación" match as "klassifiziere", "clasificacion". English, German, Spanish.
const PATTERNS: InjectionPattern[] = [
  {
    name: 'override_instructions',
    pattern:
      /\b(ignore|disregard|forget|override|bypass)\b.{0,40}\b(instructions?|rules|prompt|guidelines|directions)\b|\b(ignorier\w*|vergiss|missachte\w*|uebergehe\w*)\b.{0,40}\b(anweisung\w*|instruktion\w*|regeln|vorgaben)\b|\b(ignora\w*|olvida\w*|omite|omitir)\b.{0,40}\b(instrucciones|reglas|indicaciones)\b/,
  },
  {
    name: 'reveal_instructions',
    pattern:
      /\b(repeat|print|show|reveal|output|display|tell me|write out|recite)\b.{0,40}\b(system prompt|instructions|prompt|rules you|your rules)\b|\b(wiederhole|zeige?|gib|nenne|verrate|schreibe?)\b.{0,40}\b(systemprompt|system-prompt|anweisungen|instruktionen|deine regeln)\b|\b(repite|muestra|revela|imprime|dime|escribe)\b.{0,40}\b(instrucciones|tus reglas|prompt del sistema)\b/,
  },
  {
    name: 'force_level',
    pattern:
      /\b(classify|mark|label|set|treat|route|categori[sz]e|tag|rate|assign)\b.{0,40}\b(level|tier)[ -]?(1|one)\b|\b(klassifizier\w*|markier\w*|setze?|stufe|einstufen|behandle|ordne)\b.{0,40}\b(level|stufe|ebene)[ -]?(1|eins)\b|\b(clasific\w*|marca\w*|pon\w*|trata\w*|asigna\w*|categoriza\w*)\b.{0,40}\bnivel[ -]?(1|uno)\b/,
  },
  {
    name: 'force_confidence',
    pattern:
      /\b(confidence|konfidenz|zuversicht|sicherheit|confianza)\b\W{0,4}(of|von|de|auf|=|:|to|a)?\W{0,3}(0?[.,]9\d*|1[.,]0+|1\b|100 ?%)/,
  },
  {
    name: 'force_auto_answer',
    pattern:
      /\b(answer|reply|respond|resolve|close)\b.{0,30}\bautomatically\b|\bauto-?answer\w*|\b(do not|don't|never|must not|no need to) (escalate|forward) (this|it|the ticket)\b|\bautomatisch\b.{0,30}\b(beantwort\w*|antwort\w*|schliessen|loesen)\b|\bnicht\b.{0,15}\beskalier\w*|\b(responde\w*|contesta\w*|cierra\w*|resuelve\w*)\b.{0,30}\bautomaticamente\b|\bno (lo )?escal(es|ar|en)\b/,
  },
  {
    name: 'role_play',
    pattern:
      /\b(you are now|from now on you|act as|pretend to be|developer mode|du bist (jetzt|nun|ab sofort)|ab sofort bist du|ahora eres|a partir de ahora eres|actua como)\b/,
  },
  {
    name: 'fake_markers',
    pattern:
      /<<<[a-z_]+>>>|<\|im_(start|end)\|>|\[\/?inst\]|(^|\s)#{2,}\s*(system|instruction|assistant)|(^|\n)\s*(system|assistant)\s*:\s*(you|du|eres|ignore|new|neue|nueva|from now)\b|"level"\s*:\s*1|"confidence"\s*:/,
  },
];

/** What the screen found: the names of the patterns the ticket matched (empty: nothing). */
export function screenForInjection(ticket: TicketText): string[] {
  const text = `${ticket.subject ?? ''}\n${ticket.description}`
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ß/g, 'ss')
    .toLowerCase()
    .replace(/[ \t\r\f\v]+/g, ' ');
  // German umlauts decompose to the vowel: "Überspringe" -> "uberspringe"; "ue" spellings match too.
  return PATTERNS.filter((p) => p.pattern.test(text)).map((p) => p.name);
}

/**
 * The model behind a screen. A ticket that matches an injection pattern is still classified (its
 * level routes it to the right agents), and the patterns are recorded with the classification, so
 * the machine never answers it automatically nor drafts a suggestion (`injection_suspected`). No
 * draft is asked of the model for it at all.
 */
export function withInjectionScreening<M extends LanguageModel>(llm: M): M {
  const refuse = (found: string[]) =>
    new ModelError(
      'invalid_output',
      `prompt injection suspected (${found.join(', ')}): not classified automatically, a person decides`,
    );
  return {
    ...llm,
    async classify(ticket, options) {
      const found = screenForInjection(ticket);
      const classified = await llm.classify(ticket, options);
      if (found.length === 0) return classified;
      return { ...classified, result: { ...classified.result, injectionSuspected: found } };
    },
    async draft(ticket, articles, options) {
      const found = screenForInjection(ticket);
      if (found.length > 0) throw refuse(found);
      return llm.draft(ticket, articles, options);
    },
  };
}

/** Consecutive words an answer may share with its instructions before it counts as repeating them. */
const LEAK_WORDS = 8;

const wordsOf = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

/**
 * True when `answer` repeats `instructions`: eight consecutive words of them, or a marker the
 * prompt puts around untrusted data. A model's output check, for models that take instructions
 * (the local model's drafts are copies of knowledge-base articles).
 */
export function repeatsInstructions(answer: string, instructions: string): boolean {
  if (/<<<[A-Z_]+>>>/.test(answer)) return true;
  const source = wordsOf(instructions);
  const shingles = new Set<string>();
  for (let i = 0; i + LEAK_WORDS <= source.length; i++)
    shingles.add(source.slice(i, i + LEAK_WORDS).join(' '));
  const words = wordsOf(answer);
  for (let i = 0; i + LEAK_WORDS <= words.length; i++)
    if (shingles.has(words.slice(i, i + LEAK_WORDS).join(' '))) return true;
  return false;
}
