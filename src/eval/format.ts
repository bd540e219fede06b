import type { FeedbackResult } from './feedback.ts';
import type { EvalResult, SystemResult } from './run.ts';

export interface RunInfo {
  data: string;
  trainedOn?: string | undefined;
  trainRows?: number | undefined;
  trainSeconds?: number | undefined;
  /** CPU time of training (user + system); differs from wall time on a busy machine. */
  trainCpuSeconds?: number | undefined;
  modelName: string;
  recommendedThreshold?: number | undefined;
  /** The precision `recommendedThreshold` was chosen for (0.95 unless trained otherwise). */
  recommendedPrecision?: number | undefined;
  /** Said before the suggestion band when it is not the one the server would run. */
  bandNote?: string | undefined;
}

const percent = (share: number | undefined) => `${Math.round((share ?? 0.95) * 1000) / 10} %`;

const trainTime = (info: RunInfo) =>
  `${info.trainSeconds?.toFixed(1)} s` +
  (info.trainCpuSeconds !== undefined ? ` wall, ${info.trainCpuSeconds.toFixed(1)} s CPU` : '');
const f3 = (v: number) => v.toFixed(3);
const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);

function summaryRow(s: SystemResult): string[] {
  const r = s.report;
  return [
    s.failures ? `${s.name} (${s.failures} failed calls, counted as escalated)` : s.name,
    f3(r.accuracy),
    f3(r.macroF1),
    f3(r.binaryAccuracy),
    `${f3(s.autoAnswer.precision)} / ${f3(s.autoAnswer.coverage)}`,
    s.at95 ? `${f3(s.at95.coverage)} (≥ ${s.at95.threshold.toFixed(3)})` : 'not reached',
    s.at65 ? `${f3(s.at65.precision)} (≥ ${s.at65.threshold.toFixed(3)})` : 'not reached',
  ];
}

/** The model, the keyword baseline, then any compared model. */
const summaryRows = (result: EvalResult) =>
  [result.model, result.baseline, ...result.compared].map(summaryRow);

const SUMMARY_HEAD = [
  'system',
  'accuracy',
  'macro-F1',
  'L1-vs-escalate',
  'auto-answer precision / coverage',
  'coverage at 95 % precision',
  'precision at 65 % coverage',
];

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? pad(c, widths[i]!) : lpad(c, widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function markdownTable(head: string[], rows: string[][]): string {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

function perClassRows(s: SystemResult): string[][] {
  return Object.entries(s.report.perClass).map(([k, v]) => [
    `level ${k}`,
    f3(v.precision),
    f3(v.recall),
    f3(v.f1),
    String(v.support),
  ]);
}

function confusionRows(s: SystemResult): string[][] {
  return s.report.confusion.map((row, i) => [`level ${i + 1}`, ...row.map(String)]);
}

const interval = (i: { low: number; high: number }) => `${f3(i.low)}-${f3(i.high)}`;

const INTERVAL_HEAD = ['measure', 'value', '95 % interval'];

function intervalRows(result: EvalResult): string[][] {
  const r = result.model.report;
  const i = result.intervals;
  return [
    ['accuracy', f3(r.accuracy), interval(i.accuracy)],
    ['macro-F1', f3(r.macroF1), interval(i.macroF1)],
    ['L1-vs-escalate accuracy', f3(r.binaryAccuracy), interval(i.binaryAccuracy)],
    [
      `auto-answer precision at ${result.threshold}`,
      f3(result.model.autoAnswer.precision),
      interval(i.autoAnswerPrecision),
    ],
    [
      `level-1 coverage at ${result.threshold}`,
      f3(result.model.autoAnswer.coverage),
      interval(i.autoAnswerCoverage),
    ],
  ];
}

const intervalNote = (result: EvalResult) =>
  `95 % intervals: percentile bootstrap, ${result.intervals.samples} resamples of ${result.intervals.clusters} clusters ` +
  '(tickets whose normalised text is identical are resampled together, as their errors move together).';

const endToEndLine = (result: EvalResult) =>
  result.endToEnd
    ? `Answered end to end (level 1 at confidence ≥ ${result.threshold} and a draft grounded in the knowledge base; the rest escalate): ` +
      `${result.endToEnd.answered} tickets, ${f3(result.endToEnd.precision)} of them truly level 1, covering ${f3(result.endToEnd.coverage)} of the level-1 tickets.`
    : undefined;

/** The suggestion band in one paragraph (text and markdown alike). */
export function bandLines(result: EvalResult, info?: RunInfo): string[] {
  const b = result.band;
  if (!b) return [];
  const lines = [
    ...(info?.bandNote ? [info.bandNote] : []),
    `Suggestion band (predicted level 1, ${b.suggestThreshold} ≤ confidence < ${b.autoThreshold}; escalated with the model's draft for an agent): ` +
      `${b.tickets} tickets, ${f3(b.precision)} of them truly level 1, covering ${f3(b.coverage)} of the level-1 tickets; ` +
      `automatic answers and suggestions together cover ${f3(b.withAutoAnswers)} of them.`,
  ];
  const a = b.articles;
  if (a) {
    lines.push(
      `Suggested article against the reference answer (the knowledge base's top article for the reference answer's text; ` +
        `agreement = the suggestion's first citation is that article): ${a.withReference} band tickets have a reference answer, ` +
        `${a.drafted} got a grounded suggestion, ${a.agree} of those cite the reference answer's article` +
        (a.drafted > 0 ? ` (${f3(a.agree / a.drafted)}).` : '.'),
    );
  }
  return lines;
}

const NEAREST_HEAD = [
  'nearest training ticket',
  'tickets',
  'level-1 share',
  'model accuracy',
  'nearest has the same level',
  'same, L1 vs escalate',
  'auto-answered (precision)',
];

function nearestRows(result: EvalResult): string[][] {
  // A share of nothing is no figure.
  const of = (value: number, n: number) => (n === 0 ? '–' : f3(value));
  return (result.byNearest ?? []).map((b) => [
    b.to >= 1 ? `similarity ≥ ${b.from}` : `${b.from}-${b.to}`,
    String(b.tickets),
    of(b.level1Share, b.tickets),
    of(b.accuracy, b.tickets),
    of(b.nearestAgrees, b.tickets),
    of(b.nearestAgreesBinary, b.tickets),
    `${b.autoAnswered} (${of(b.autoAnswerPrecision, b.autoAnswered)})`,
  ]);
}

const CONFUSION_HEAD = ['reference \\ predicted', 'level 1', 'level 2', 'level 3'];
const PER_CLASS_HEAD = ['class', 'precision', 'recall', 'F1', 'support'];

/** The human-readable report printed by `npm run eval`. */
export function formatReport(result: EvalResult, info: RunInfo): string {
  const out: string[] = [];
  out.push(`data: ${info.data} (${result.n} tickets)`);
  out.push(
    info.trainedOn
      ? `model: ${info.modelName}, trained in memory on ${info.trainedOn} (${info.trainRows} rows, ${trainTime(info)})`
      : `model: ${info.modelName}`,
  );
  out.push(`auto-answer rule: predicted level 1 with confidence ≥ ${result.threshold}`);
  out.push('');
  out.push(table(SUMMARY_HEAD, summaryRows(result)));
  out.push('');
  out.push(`per class (${result.model.name}):`);
  out.push(table(PER_CLASS_HEAD, perClassRows(result.model)));
  out.push('');
  out.push('confusion matrix (rows: reference level, columns: predicted level):');
  out.push(table(CONFUSION_HEAD, confusionRows(result.model)));
  out.push('');
  out.push(intervalNote(result));
  out.push(table(INTERVAL_HEAD, intervalRows(result)));
  out.push('');
  const endToEnd = endToEndLine(result);
  if (endToEnd) out.push(endToEnd, '');
  if (result.band) out.push(...bandLines(result, info), '');
  if (result.byNearest) {
    out.push('by similarity of the nearest training ticket (cosine of the TF-IDF vectors):');
    out.push(table(NEAREST_HEAD, nearestRows(result)));
    out.push('');
  }
  out.push(
    `classify latency: mean ${result.latency.meanMs.toFixed(2)} ms, p95 ${result.latency.p95Ms.toFixed(2)} ms per ticket`,
  );
  if (info.recommendedThreshold !== undefined) {
    out.push(
      `threshold for ${percent(info.recommendedPrecision)} auto-answer precision on the training data's out-of-fold scores: ${info.recommendedThreshold}` +
        (result.atRecommended
          ? `; here it gives precision ${f3(result.atRecommended.precision)}, coverage ${f3(result.atRecommended.coverage)}`
          : ''),
    );
  }
  if (result.answers) {
    const a = result.answers;
    out.push('');
    out.push(
      `reference answers: ${a.rows} tickets, grounded drafts for ${a.drafted} (the others count as empty)`,
    );
    out.push(`  all rows:     ROUGE-L ${f3(a.rougeL)}  BLEU ${f3(a.bleu)}`);
    out.push(`  drafted rows: ROUGE-L ${f3(a.rougeLDrafted)}  BLEU ${f3(a.bleuDrafted)}`);
  }
  return out.join('\n');
}

/** One data set's section of docs/evaluation.md. */
export function markdownSection(title: string, result: EvalResult, info: RunInfo): string {
  const out: string[] = [];
  out.push(`## ${title}`, '');
  out.push(
    `Data \`${info.data}\` (${result.n} tickets); ${info.trainedOn ? `trained on \`${info.trainedOn}\` (${info.trainRows} rows) in ${trainTime(info)}` : 'shipped model'}; model \`${info.modelName}\`. Auto-answer rule: predicted level 1 with confidence ≥ ${result.threshold}.`,
    '',
  );
  out.push(markdownTable(SUMMARY_HEAD, summaryRows(result)), '');
  out.push(
    'Per class (local model):',
    '',
    markdownTable(PER_CLASS_HEAD, perClassRows(result.model)),
    '',
  );
  out.push('Confusion matrix (rows: reference level, columns: predicted level):', '');
  out.push(markdownTable(CONFUSION_HEAD, confusionRows(result.model)), '');
  out.push(`${intervalNote(result)}`, '', markdownTable(INTERVAL_HEAD, intervalRows(result)), '');
  const endToEnd = endToEndLine(result);
  if (endToEnd) out.push(endToEnd, '');
  if (result.band) out.push(...bandLines(result, info).flatMap((l) => [l, '']));
  if (result.byNearest) {
    out.push(
      'By similarity of the nearest training ticket (cosine of the TF-IDF vectors). Where a near-copy',
      "exists, compare the model with how often the near-copy's level equals the ticket's own; below",
      'that, the model has to generalise:',
      '',
      markdownTable(NEAREST_HEAD, nearestRows(result)),
      '',
    );
  }
  out.push(
    `Classify latency through the \`LanguageModel\` port: mean ${result.latency.meanMs.toFixed(2)} ms, p95 ${result.latency.p95Ms.toFixed(2)} ms.`,
  );
  if (info.recommendedThreshold !== undefined) {
    out.push(
      `The training data's out-of-fold scores put the ${percent(info.recommendedPrecision)}-precision threshold at ${info.recommendedThreshold}` +
        (result.atRecommended
          ? `; at that threshold this data set's auto-answers are ${f3(result.atRecommended.precision)} precise and cover ${f3(result.atRecommended.coverage)} of its level-1 tickets.`
          : '.'),
    );
  }
  if (result.answers) {
    const a = result.answers;
    out.push(
      '',
      `Reference answers: ${a.rows} tickets; the local model drafted a grounded answer from \`kb/\` for ${a.drafted} of them and refused the rest (an empty answer in the "all rows" figures).`,
      '',
      markdownTable(
        ['rows', 'ROUGE-L', 'BLEU-4'],
        [
          ['all rows', f3(a.rougeL), f3(a.bleu)],
          ['drafted rows only', f3(a.rougeLDrafted), f3(a.bleuDrafted)],
        ],
      ),
    );
  }
  out.push('');
  return out.join('\n');
}

/** The replay with agents' corrections fed back, as a table (text and markdown alike). */
export function formatFeedback(r: FeedbackResult): string {
  const rows = r.chunks.map((c, i) => [
    `${i + 1}: tickets ${c.from + 1}-${c.to}`,
    f3(c.accuracyBase),
    f3(c.accuracyWithCorrections),
    String(c.corrections),
  ]);
  rows.push(['all', f3(r.accuracyBase), f3(r.accuracyWithCorrections), '']);
  return markdownTable(
    [
      'stretch',
      'accuracy, never retrained',
      "accuracy, retrained with agents' labels",
      'labels added after it',
    ],
    rows,
  );
}
