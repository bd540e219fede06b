import { readFileSync } from 'node:fs';
import { ModelError, type KnowledgeBase, type LanguageModel } from '../llm/types.ts';
import { keywordLevel } from './baseline.ts';
import {
  autoAnswerAt,
  autoAnswerCurve,
  classificationReport,
  coverageAt95,
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
}

export interface EvalResult {
  n: number;
  threshold: number;
  model: SystemResult;
  baseline: SystemResult;
  latency: { meanMs: number; p95Ms: number };
  /** The model at a second threshold (e.g. the model file's 95 %-precision recommendation). */
  atRecommended?: AutoAnswerPoint | undefined;
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
  };
}

/** Classifies every row through the model's public port, drafts where there are references. */
export async function evaluate(
  rows: EvalRow[],
  model: LanguageModel,
  kb: KnowledgeBase,
  options: { threshold: number; drafts?: boolean; recommendedThreshold?: number | undefined },
): Promise<EvalResult> {
  const reference = rows.map((r) => r.level);
  const predicted: number[] = [];
  const confidence: number[] = [];
  const latencies: number[] = [];
  for (const row of rows) {
    const started = performance.now();
    const { result } = await model.classify({ subject: row.subject, description: row.description });
    latencies.push(performance.now() - started);
    predicted.push(result.level);
    confidence.push(result.confidence);
  }
  const baselinePreds = rows.map((r) => keywordLevel(r.subject, r.description));
  latencies.sort((a, b) => a - b);
  const result: EvalResult = {
    n: rows.length,
    threshold: options.threshold,
    model: system(model.name, reference, predicted, confidence, options.threshold),
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
  };
  if (options.recommendedThreshold !== undefined) {
    result.atRecommended = autoAnswerAt(
      reference,
      predicted,
      confidence,
      options.recommendedThreshold,
    );
  }
  const withAnswers = rows.filter((r) => r.answer);
  if (withAnswers.length > 0 && options.drafts !== false) {
    const candidates: string[] = [];
    const drafted: Array<{ c: string; r: string }> = [];
    for (const row of withAnswers) {
      const query = [row.subject, row.description].filter(Boolean).join('\n');
      const articles = await kb.search(query, 3);
      let answer = '';
      if (articles.length > 0) {
        try {
          answer = (
            await model.draft({ subject: row.subject, description: row.description }, articles)
          ).result.answer;
        } catch (error) {
          if (!(error instanceof ModelError && error.reason === 'no_grounding')) throw error;
        }
      }
      candidates.push(answer);
      if (answer) drafted.push({ c: answer, r: row.answer! });
    }
    const refs = withAnswers.map((r) => r.answer!);
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
