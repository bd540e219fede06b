import { readFileSync } from 'node:fs';
import { FALLBACK_AUTO_ANSWER_THRESHOLD } from '../config/index.ts';
import type { KnowledgeBase, LanguageModel } from '../llm/index.ts';
import { createTicketActors, type ActorTimeouts, type TicketActors } from '../workflow/index.ts';
import { normalizeText, ticketToText } from '../llm/local/index.ts';
import { keywordLevel } from './baseline.ts';
import {
  articleAgreement,
  suggestionBand,
  type ArticleAgreement,
  type SuggestionBand,
} from './band.ts';
import { bootstrapIntervals, type BootstrapIntervals } from './bootstrap.ts';
import { accuracyByNearest, type NearestBand } from './nearest.ts';
import {
  autoAnswerAt,
  autoAnswerCurve,
  classificationReport,
  coverageAt95,
  precisionAtCoverage,
  type AutoAnswerPoint,
  type ClassificationReport,
} from './metrics.ts';
import { corpusBleu, rougeL } from './text.ts';

export interface EvalRow {
  subject?: string | undefined;
  description: string;
  level: 1 | 2 | 3;
  /** A reference answer, when the data set has one. */
  answer?: string | undefined;
}

/** Reads `{subject?, body | description, level, answer?}` JSON Lines. */
export function readEvalFile(path: string): EvalRow[] {
  const rows: EvalRow[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as Record<string, unknown>;
    const level = Number(r.level);
    const description = typeof r.description === 'string' ? r.description : String(r.body ?? '');
    if (![1, 2, 3].includes(level)) continue;
    rows.push({
      subject: typeof r.subject === 'string' ? r.subject : undefined,
      description,
      level: level as 1 | 2 | 3,
      answer: typeof r.answer === 'string' && r.answer.trim() ? r.answer : undefined,
    });
  }
  return rows;
}

export interface SystemResult {
  name: string;
  report: ClassificationReport;
  autoAnswer: AutoAnswerPoint;
  curve: AutoAnswerPoint[];
  /** The largest coverage with at least 95 % auto-answer precision, on the curve. */
  at95: AutoAnswerPoint | undefined;
  /** The best precision with at least 65 % of the level-1 tickets answered (the targets' operating point). */
  at65?: AutoAnswerPoint | undefined;
  /** Classifications that failed; each counts as the workflow treats it: escalated at level 2. */
  failures?: number | undefined;
}

/**
 * Classifies every row through the workflow's own classify actor (the model's port, with its
 * timeout), at most `concurrency` at once. A failed call is what the workflow escalates (level 2,
 * never auto-answered), so it is counted that way.
 */
async function classifyAll(
  actors: TicketActors,
  rows: EvalRow[],
  concurrency: number,
): Promise<{ predicted: number[]; confidence: number[]; latencies: number[]; failures: number }> {
  const predicted = new Array<number>(rows.length);
  const confidence = new Array<number>(rows.length);
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const worker = async () => {
    while (next < rows.length) {
      const i = next++;
      const started = performance.now();
      const outcome = await actors.classifyTicket(actorInput(rows[i]!, i));
      latencies.push(performance.now() - started);
      if (outcome.ok) {
        predicted[i] = outcome.data.level;
        confidence[i] = outcome.data.confidence;
      } else {
        failures++;
        predicted[i] = 2;
        confidence[i] = 0;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return { predicted, confidence, latencies, failures };
}

const actorInput = (row: EvalRow, i: number) => ({
  ticketId: `eval-${i}`,
  subject: row.subject,
  description: row.description,
});

export interface EvalResult {
  n: number;
  threshold: number;
  model: SystemResult;
  baseline: SystemResult;
  /** Other models measured on the same rows (e.g. Ollama, when configured). */
  compared: SystemResult[];
  latency: { meanMs: number; p95Ms: number };
  /** 95 % intervals of the model's figures (clusters of tickets with the same normalised text resampled). */
  intervals: BootstrapIntervals;
  /**
   * Tickets answered end to end: classified level 1 at the threshold and a draft grounded in the
   * knowledge base (the rest escalate, as in the workflow).
   */
  endToEnd?: AutoAnswerPoint | undefined;
  /** The model's results by similarity of the nearest training ticket, when it can tell. */
  byNearest?: NearestBand[] | undefined;
  /** The model at a second threshold (e.g. the model file's 95 %-precision recommendation). */
  atRecommended?: AutoAnswerPoint | undefined;
  /** The model at the fallback (the former fixed default, 0.7), beside the shipped rule. */
  atFixed?: AutoAnswerPoint | undefined;
  /** The suggestion band below the threshold, when a suggestion threshold is below it. */
  band?: (Omit<SuggestionBand, 'rows'> & { articles?: ArticleAgreement | undefined }) | undefined;
  answers?:
    | {
        rows: number;
        /** Rows for which the model drafted a grounded answer (the rest count as empty). */
        drafted: number;
        rougeL: number;
        bleu: number;
        /** The same metrics on the drafted rows only. */
        rougeLDrafted: number;
        bleuDrafted: number;
      }
    | undefined;
}

function system(
  name: string,
  reference: number[],
  predicted: number[],
  confidence: number[],
  threshold: number,
): SystemResult {
  const curve = autoAnswerCurve(reference, predicted, confidence);
  return {
    name,
    report: classificationReport(reference, predicted),
    autoAnswer: autoAnswerAt(reference, predicted, confidence, threshold),
    curve,
    at95: coverageAt95(reference, predicted, confidence),
    at65: precisionAtCoverage(reference, predicted, confidence, 0.65),
  };
}

/** The draft the workflow would send for a row, or undefined when it would escalate instead. */
async function draftFor(
  actors: TicketActors,
  row: EvalRow,
  i: number,
): Promise<{ answer: string; article: string | undefined } | undefined> {
  const outcome = await actors.draftAnswer(actorInput(row, i));
  return outcome.ok
    ? { answer: outcome.data.answer, article: outcome.data.citations[0]?.id }
    : undefined;
}

/** Classifies every row through the model's public port, drafts where there are references. */
export async function evaluate(
  rows: EvalRow[],
  model: LanguageModel,
  kb: KnowledgeBase,
  options: {
    threshold: number;
    drafts?: boolean;
    recommendedThreshold?: number | undefined;
    /** The suggestion band's lower edge; no band unless below `threshold`. */
    suggestThreshold?: number | undefined;
    /** The most similar training ticket of a row (a local model can tell; others cannot). */
    nearest?: ((row: EvalRow) => { similarity: number; level: number } | undefined) | undefined;
    /** Other models to measure on the same rows through the same port (e.g. Ollama). */
    compare?: LanguageModel[] | undefined;
    /** Classifications in flight at once for the compared models (default 4). */
    compareConcurrency?: number | undefined;
    /** Bootstrap resamples for the intervals (default 1000). */
    bootstrapSamples?: number | undefined;
    /** The workflow's actor timeouts (default 30 s to classify, 60 s to draft). */
    timeouts?: ActorTimeouts | undefined;
  },
): Promise<EvalResult> {
  const reference = rows.map((r) => r.level);
  const timeouts = options.timeouts ?? { classifyMs: 30_000, draftMs: 60_000 };
  const actors = createTicketActors(model, kb, timeouts);
  const { predicted, confidence, latencies, failures } = await classifyAll(actors, rows, 1);
  const baselinePreds = rows.map((r) => keywordLevel(r.subject, r.description));
  latencies.sort((a, b) => a - b);
  const result: EvalResult = {
    n: rows.length,
    threshold: options.threshold,
    model: { ...system(model.name, reference, predicted, confidence, options.threshold), failures },
    baseline: system(
      'keyword rules',
      reference,
      baselinePreds.map((p) => p.level),
      baselinePreds.map((p) => p.confidence),
      options.threshold,
    ),
    latency: {
      meanMs: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
      p95Ms: latencies[Math.floor(0.95 * (latencies.length - 1))] ?? 0,
    },
    compared: [],
    intervals: bootstrapIntervals(
      reference,
      predicted,
      confidence,
      options.threshold,
      // Tickets with the same text once digits, addresses and greetings are gone form one cluster.
      rows.map((r) => normalizeText(ticketToText(r.subject, r.description))),
      { samples: options.bootstrapSamples },
    ),
  };
  // Each row is drafted at most once, for the end-to-end count and the reference answers alike.
  const drafts = new Map<number, ReturnType<typeof draftFor>>();
  const draftOf = (i: number) => {
    let draft = drafts.get(i);
    if (!draft) drafts.set(i, (draft = draftFor(actors, rows[i]!, i)));
    return draft;
  };
  if (options.drafts !== false) {
    // What the workflow does with a confident level-1 ticket: answer it if the knowledge base
    // grounds a draft, otherwise escalate it.
    const grounded: boolean[] = [];
    for (let i = 0; i < rows.length; i++) {
      const confident = predicted[i] === 1 && confidence[i]! >= options.threshold;
      grounded.push(confident && (await draftOf(i)) !== undefined);
    }
    result.endToEnd = autoAnswerAt(
      reference,
      predicted,
      confidence.map((c, i) => (grounded[i] ? c : -1)),
      options.threshold,
    );
  }
  for (const other of options.compare ?? []) {
    const c = await classifyAll(
      createTicketActors(other, kb, timeouts),
      rows,
      options.compareConcurrency ?? 4,
    );
    result.compared.push({
      ...system(other.name, reference, c.predicted, c.confidence, options.threshold),
      failures: c.failures,
    });
  }
  const { nearest } = options;
  if (nearest) {
    result.byNearest = accuracyByNearest(
      rows.map((row, i) => ({
        reference: reference[i]!,
        predicted: predicted[i]!,
        confidence: confidence[i]!,
        nearest: nearest(row),
      })),
      options.threshold,
    );
  }
  if (options.recommendedThreshold !== undefined) {
    result.atRecommended = autoAnswerAt(
      reference,
      predicted,
      confidence,
      options.recommendedThreshold,
    );
  }
  result.atFixed = autoAnswerAt(reference, predicted, confidence, FALLBACK_AUTO_ANSWER_THRESHOLD);
  const { suggestThreshold } = options;
  if (suggestThreshold !== undefined && suggestThreshold < options.threshold) {
    const { rows: bandRows, ...band } = suggestionBand(
      reference,
      predicted,
      confidence,
      suggestThreshold,
      options.threshold,
    );
    result.band = band;
    if (options.drafts !== false && rows.some((r) => r.answer)) {
      result.band.articles = await articleAgreement(
        bandRows,
        (i) => rows[i]!.answer,
        async (i) => (await draftOf(i))?.article,
        async (answer) => (await kb.search(answer, 1))[0]?.id,
      );
    }
  }
  const withAnswers = rows.flatMap((row, i) => (row.answer ? [i] : []));
  if (withAnswers.length > 0 && options.drafts !== false) {
    const candidates: string[] = [];
    const drafted: Array<{ c: string; r: string }> = [];
    for (const i of withAnswers) {
      const answer = (await draftOf(i))?.answer ?? '';
      candidates.push(answer);
      if (answer) drafted.push({ c: answer, r: rows[i]!.answer! });
    }
    const refs = withAnswers.map((i) => rows[i]!.answer!);
    const mean = (xs: number[]) =>
      xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
    result.answers = {
      rows: withAnswers.length,
      drafted: drafted.length,
      rougeL: mean(candidates.map((c, i) => rougeL(c, refs[i]!))),
      bleu: corpusBleu(candidates, refs),
      rougeLDrafted: mean(drafted.map((d) => rougeL(d.c, d.r))),
      bleuDrafted:
        drafted.length > 0
          ? corpusBleu(
              drafted.map((d) => d.c),
              drafted.map((d) => d.r),
            )
          : 0,
    };
  }
  return result;
}

/** The machine-readable summary, exactly as PRODUCT.md specifies it. */
export function toJsonSummary(result: EvalResult): Record<string, unknown> {
  const r = result.model.report;
  const round = (v: number) => Math.round(v * 10000) / 10000;
  const perClass: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r.perClass)) {
    perClass[k] = {
      precision: round(v.precision),
      recall: round(v.recall),
      f1: round(v.f1),
      support: v.support,
    };
  }
  return {
    accuracy: round(r.accuracy),
    macroF1: round(r.macroF1),
    binaryAccuracy: round(r.binaryAccuracy),
    perClass,
    confusion: r.confusion,
    autoAnswer: {
      threshold: result.threshold,
      precision: round(result.model.autoAnswer.precision),
      coverage: round(result.model.autoAnswer.coverage),
    },
    ...(result.answers
      ? { rougeL: round(result.answers.rougeL), bleu: round(result.answers.bleu) }
      : {}),
    n: result.n,
  };
}
