/**
 * npm run train -- [--data FILE.jsonl ...] [--from-events] [--corrections FILE.jsonl ...]
 *                  [--extra-weight 1] [--precision 0.95] [--suggest-precision 0.8]
 *                  [--out models/local-model.json]
 *
 * Trains the embedded local model. Rows: `{subject?, body | description, level, category?}`.
 * `--from-events` adds the tickets whose level agents settled, read from the product's own event
 * log (the server's configuration: DATABASE_URL or DATA_DIR, EVENTSTORE, ESDB_URL): re-levelled
 * tickets, suggested answers sent, and suggestions discarded and replaced by the agent's own reply
 * (`readCorrections` in src/workflow/corrections.ts);
 * `--corrections` adds such rows from files. The model file records the lowest level-1 confidence at
 * which automatic answers reached `--precision` (default 0.95) on the out-of-fold scores: the
 * server's automatic-answer threshold unless AUTO_ANSWER_THRESHOLD is set; and the lowest confidence
 * from which the band below that threshold was still `--suggest-precision` (default 0.8) level 1:
 * the server's suggestion threshold unless SUGGEST_THRESHOLD is set. Programmatic callers use
 * `trainFromRows(rows, { extraRows })` from `src/llm/local/index.ts`.
 */
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../config/index.ts';
import { openDatabase, openEventStore } from '../server/index.ts';
import { readCorrections } from '../workflow/index.ts';
import {
  DEFAULT_SUGGEST_PRECISION,
  DEFAULT_TARGET_PRECISION,
  readTrainingFile,
  recommendedSuggestThreshold,
  recommendedThreshold,
  saveClassifier,
  trainFromRows,
  type TrainingRow,
} from '../llm/local/index.ts';

const DEFAULT_OUT = 'models/local-model.json';

const { values } = parseArgs({
  options: {
    data: { type: 'string', multiple: true },
    'from-events': { type: 'boolean', default: false },
    corrections: { type: 'string', multiple: true },
    'extra-weight': { type: 'string' },
    precision: { type: 'string' },
    'suggest-precision': { type: 'string' },
    out: { type: 'string', default: DEFAULT_OUT },
    folds: { type: 'string' },
    l2: { type: 'string' },
    quiet: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log(
    'usage: npm run train -- [--data FILE.jsonl ...] [--from-events] [--corrections FILE.jsonl ...] [--extra-weight 1] [--precision 0.95] [--suggest-precision 0.8] [--out models/local-model.json]',
  );
  process.exit(0);
}

/** The agents' verdicts on levels in the product's event log, as training rows. */
async function correctionsFromLog(
  config: Config,
): Promise<Array<TrainingRow & { verdict: string }>> {
  // EventStoreDB holds the log itself; PostgreSQL/PGlite only when it is the event store.
  const db =
    config.EVENTSTORE === 'postgres' ? await openDatabase(config, { existing: true }) : undefined;
  try {
    const store = openEventStore(config, db);
    try {
      return (await readCorrections(store)).map((t) => ({
        subject: t.subject,
        description: t.description,
        level: t.level,
        verdict: t.verdict,
      }));
    } finally {
      await store.close();
    }
  } finally {
    await db?.close();
  }
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

const targetPrecision =
  values.precision === undefined ? DEFAULT_TARGET_PRECISION : Number(values.precision);
if (!(targetPrecision > 0 && targetPrecision <= 1)) {
  console.error('--precision must be a share in (0, 1], e.g. 0.95');
  process.exit(2);
}
const suggestPrecision =
  values['suggest-precision'] === undefined
    ? DEFAULT_SUGGEST_PRECISION
    : Number(values['suggest-precision']);
if (!(suggestPrecision > 0 && suggestPrecision <= 1)) {
  console.error('--suggest-precision must be a share in (0, 1], e.g. 0.8');
  process.exit(2);
}

const started = performance.now();
const rows = load(values.data ?? ['models/seed-tickets.jsonl']);
const extraRows = load(values.corrections ?? []);
if (values['from-events'] && values.out === DEFAULT_OUT) {
  // The model file keeps its training texts; customers' tickets must not land in the shipped file
  // by accident.
  console.error(
    '--from-events needs an explicit --out other than the shipped model (the model file keeps the' +
      ' ticket texts), e.g. --out data/local-model.json, then LOCAL_MODEL_PATH=data/local-model.json',
  );
  process.exit(2);
}
if (values['from-events']) {
  const corrections = await correctionsFromLog(loadConfig()).catch((error: unknown) => {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
  const count = (verdict: string) => corrections.filter((c) => c.verdict === verdict).length;
  console.error(
    `event log: ${corrections.length} tickets settled by agents (${count('relevelled')} re-levelled, ` +
      `${count('suggestion_sent')} suggestions sent, ${count('suggestion_replaced')} suggestions replaced by an agent's reply)`,
  );
  extraRows.push(...corrections);
}
const classifier = trainFromRows(rows, {
  extraRows,
  extraWeight: values['extra-weight'] === undefined ? undefined : Number(values['extra-weight']),
  ...(values.folds ? { folds: Number(values.folds) } : {}),
  ...(values.l2 ? { l2: Number(values.l2) } : {}),
  targetPrecision,
  suggestPrecision,
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
    `automatic-answer threshold for ${targetPrecision} precision ${recommendedThreshold(f)?.threshold ?? 'not reached'}, ` +
    `suggestion threshold for ${suggestPrecision} precision ${suggestion()}, ${((performance.now() - started) / 1000).toFixed(1)} s`,
);

function suggestion(): string {
  const s = f.suggest;
  const recommended = recommendedSuggestThreshold(f)?.threshold;
  if (!s || recommended === undefined)
    return `none (${s?.candidates ?? 0} out-of-fold level-1 tickets below ${s?.below}: too few to tell; the server's fallback)`;
  return recommended < 1 ? `${recommended} (below ${s.below})` : `not reached (no band)`;
}
