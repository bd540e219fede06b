/**
 * npm run train -- [--data FILE.jsonl ...] [--from-events FILE.jsonl] [--out models/local-model.json]
 *
 * Trains the embedded local model. Rows: `{subject?, body | description, level, category?}`.
 * `--from-events` adds rows exported from the event log (tickets whose level an agent corrected);
 * programmatic callers use `trainFromRows(rows, { extraRows })` from `src/llm/local/index.ts`.
 */
import { parseArgs } from 'node:util';
import {
  readTrainingFile,
  saveClassifier,
  trainFromRows,
  type TrainingRow,
} from '../llm/local/index.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string', multiple: true },
    'from-events': { type: 'string', multiple: true },
    'extra-weight': { type: 'string', default: '2' },
    out: { type: 'string', default: 'models/local-model.json' },
    folds: { type: 'string' },
    l2: { type: 'string' },
    quiet: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log(
    'usage: npm run train -- [--data FILE.jsonl ...] [--from-events FILE.jsonl ...] [--extra-weight 2] [--out models/local-model.json]',
  );
  process.exit(0);
}

function load(files: string[]): TrainingRow[] {
  const rows: TrainingRow[] = [];
  for (const file of files) {
    const { rows: r, skipped } = readTrainingFile(file);
    console.error(`${file}: ${r.length} rows${skipped ? `, ${skipped} skipped` : ''}`);
    rows.push(...r);
  }
  return rows;
}

const started = performance.now();
const rows = load(values.data ?? ['models/seed-tickets.jsonl']);
const extraRows = load(values['from-events'] ?? []);
const classifier = trainFromRows(rows, {
  extraRows,
  extraWeight: Number(values['extra-weight']),
  ...(values.folds ? { folds: Number(values.folds) } : {}),
  ...(values.l2 ? { l2: Number(values.l2) } : {}),
  log: values.quiet ? undefined : (m) => console.error(`  ${m}`),
});
saveClassifier(classifier, values.out);
const f = classifier.file;
const cv = f.crossValidation;
const stacked = cv?.stacked
  ? `cross-fitted accuracy ${cv.stacked.accuracy.toFixed(3)}, macro-F1 ${cv.stacked.macroF1.toFixed(3)}, ` +
    `L1-vs-escalate ${cv.stacked.binaryAccuracy.toFixed(3)}, `
  : `out-of-fold accuracy ${cv?.accuracy.toFixed(3)}, `;
const at07 = cv?.at07
  ? `auto-answer at 0.7: precision ${cv.at07.precision.toFixed(3)}, coverage ${cv.at07.coverage.toFixed(3)}, `
  : '';
console.log(
  `wrote ${values.out}: local/${f.version}, ${f.trainingRows} rows (levels 1/2/3: ${f.classCounts.join('/')}), ` +
    `${classifier.vectorizer.dimension} features, ${f.category ? `${f.category.names.length} categories, ` : ''}` +
    stacked +
    at07 +
    `95 %-precision threshold ${f.autoAnswer95 ?? 'not reached'}, ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
