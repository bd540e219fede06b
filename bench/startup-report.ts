import type { Run } from './context.ts';
import type { Summary } from './stats.ts';

export interface StartFigure {
  data: string;
  launcher: string;
  ready: Summary;
  rssReady: number;
  rssLoaded: number;
  readyRun: Run;
}

const ms = (x: number) => Math.round(x).toLocaleString('en-US');
const mib = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '');

/** The start-up table (one row per database and launcher) and what compiling costs by itself. */
export function startupSection(
  figures: StartFigure[],
  tickets: number,
  cost: { baseline: number; tsx: number; tsxNoCache: number; compiled: number },
): string {
  const out = [
    `Each start is a new process on a free port, timed from \`spawn\` to the first \`GET /ready\` answered 200 (polled every 25 ms): median / p95 of the starts. Resident memory (RSS of the process and its children, from \`ps\`) 1 s after ready, and after 5 s of 8 clients filing tickets anonymously with \`Prefer: wait=10\` (local model). "Filled" databases hold ${tickets.toLocaleString('en-US')} closed tickets (about ${(tickets * 11).toLocaleString('en-US')} events, bench/history-fill.ts) with every projection caught up; a fresh PGlite directory includes initdb and every migration, a fresh PostgreSQL schema every migration.`,
    '',
    '| database | started with | to /ready, ms (median / p95) | starts | RSS after ready, MiB | RSS after the load, MiB |',
    '|---|---|---:|---:|---:|---:|',
  ];
  for (const f of figures)
    out.push(
      `| ${f.data} | \`${f.launcher}\` | ${ms(f.ready.median)} / ${ms(f.ready.p95)} | ${f.ready.n} | ${mib(f.rssReady)} | ${mib(f.rssLoaded)} |`,
    );
  out.push(
    '',
    `What loading the server's modules costs by itself (\`node -e "await import(…)"\` of src/server/index.ts, median of 5 fresh processes): an empty Node process ${ms(cost.baseline)} ms; through tsx with its disk cache warm ${ms(cost.tsx)} ms, with \`TSX_DISABLE_CACHE=1\` (a new container, or a changed file) ${ms(cost.tsxNoCache)} ms; the compiled build (\`dist/src/server/index.js\`) ${ms(cost.compiled)} ms. Compiling at every start therefore costs ${ms(cost.tsx - cost.compiled)} ms with tsx's cache and ${ms(cost.tsxNoCache - cost.compiled)} ms without it.`,
  );
  return out.join('\n');
}
