/**
 * The suggestion band: tickets predicted level 1 with `suggest ≤ confidence < auto`, which the
 * workflow escalates with the model's draft attached for an agent (docs/llm.md, "Suggested
 * answers"). What it is worth: how many level-1 tickets it reaches beyond the automatic answers,
 * and how often it is right to suggest an answer at all.
 */
export interface SuggestionBand {
  suggestThreshold: number;
  autoThreshold: number;
  /** Tickets in the band. */
  tickets: number;
  /** Of those, truly level 1. */
  level1: number;
  /** `level1 / tickets` (1 for an empty band, as an empty answered set is). */
  precision: number;
  /** Share of all truly level-1 tickets the band holds. */
  coverage: number;
  /** Share of all truly level-1 tickets answered automatically or suggested for. */
  withAutoAnswers: number;
  /** The rows in the band, for what is measured on them next (drafts, articles). */
  rows: number[];
}

/** The band [suggestThreshold, autoThreshold) among the level-1 predictions. */
export function suggestionBand(
  reference: number[],
  predicted: number[],
  confidence: number[],
  suggestThreshold: number,
  autoThreshold: number,
): SuggestionBand {
  const rows: number[] = [];
  let level1 = 0;
  let inBand = 0;
  let answeredRight = 0;
  for (let i = 0; i < reference.length; i++) {
    if (reference[i] === 1) level1++;
    if (predicted[i] !== 1) continue;
    const c = confidence[i]!;
    if (c >= autoThreshold) {
      if (reference[i] === 1) answeredRight++;
    } else if (c >= suggestThreshold) {
      rows.push(i);
      if (reference[i] === 1) inBand++;
    }
  }
  const share = (n: number) => (level1 === 0 ? 0 : n / level1);
  return {
    suggestThreshold,
    autoThreshold,
    tickets: rows.length,
    level1: inBand,
    precision: rows.length === 0 ? 1 : inBand / rows.length,
    coverage: share(inBand),
    withAutoAnswers: share(inBand + answeredRight),
    rows,
  };
}

/**
 * How often a suggestion cites the article the reference answer would use. Operationally: the
 * knowledge base's top search hit for the reference answer's text is "the article the reference
 * answer would use"; a suggestion agrees when its first citation is that article. Counted over
 * the band's rows that have a reference answer and a grounded draft (the rest get no suggestion).
 */
export interface ArticleAgreement {
  /** Band rows with a reference answer. */
  withReference: number;
  /** Of those, with a grounded draft (a suggestion an agent would see). */
  drafted: number;
  /** Of those, whose first cited article is the reference answer's top article. */
  agree: number;
}

export async function articleAgreement(
  rows: number[],
  referenceAnswer: (row: number) => string | undefined,
  citedArticle: (row: number) => Promise<string | undefined>,
  referenceArticle: (answer: string) => Promise<string | undefined>,
): Promise<ArticleAgreement> {
  const result: ArticleAgreement = { withReference: 0, drafted: 0, agree: 0 };
  for (const row of rows) {
    const answer = referenceAnswer(row);
    if (!answer) continue;
    result.withReference++;
    const cited = await citedArticle(row);
    if (cited === undefined) continue;
    result.drafted++;
    if (cited === (await referenceArticle(answer))) result.agree++;
  }
  return result;
}
