import type { DbKind } from './db.ts';
import { summarize, summarizeRate } from './stats.ts';

/** One figure in the report; the first six fields are the contract of bench/results/latest.json. */
export interface Run {
  name: string;
  unit: string;
  median: number;
  p95?: number;
  p99?: number;
  ratioToBaseline?: number;
  group: string;
  db: DbKind | 'none';
  /** Samples behind median/p95/p99 (repeats for rates, operations for latencies). */
  n?: number;
  baseline?: string;
  target?: string;
  met?: boolean;
  note?: string;
}

export interface BenchOptions {
  quick: boolean;
  only: Set<string>;
  dbs: DbKind[];
  postgresUrl: string;
  profile: boolean;
  /** Duration scale for timed sections. */
  durationMs: number;
  repeats: number;
  /** The history group's largest size (tickets); default: every size. */
  historyMax?: number;
  /** Tickets in the startup group's filled databases. */
  startupTickets?: number;
}

export class BenchContext {
  readonly runs: Run[] = [];
  readonly notes = new Map<string, string[]>();
  readonly started = Date.now();
  /** Sections a group writes into docs/benchmarks.md itself (heading → body), after the report. */
  readonly sections = new Map<string, string>();
  /** Writes `sections` now (set by bench/run.ts), so that a long group's finished sizes are kept. */
  flushSections: () => Promise<void> = async () => undefined;
  constructor(readonly options: BenchOptions) {}

  log(message: string): void {
    const t = ((Date.now() - this.started) / 1000).toFixed(0).padStart(4);
    process.stderr.write(`[bench ${t}s] ${message}\n`);
  }

  note(group: string, text: string): void {
    const list = this.notes.get(group) ?? [];
    list.push(text);
    this.notes.set(group, list);
  }

  add(run: Run): Run {
    this.runs.push(run);
    const extra =
      run.ratioToBaseline !== undefined ? ` ratio=${run.ratioToBaseline.toFixed(2)}` : '';
    const tail = run.p99 !== undefined ? ` p95=${fmt(run.p95)} p99=${fmt(run.p99)}` : '';
    this.log(`${run.db}/${run.name}: ${fmt(run.median)} ${run.unit}${tail}${extra}`);
    return run;
  }

  /** A rate measured `repeats` times: median and the low tail (p95/p99 = the rate 95/99 % of runs reached). */
  addRate(base: Omit<Run, 'median' | 'p95' | 'p99' | 'n'>, samples: number[]): Run {
    const s = summarizeRate(samples);
    return this.add({ ...base, median: s.median, p95: s.p95, p99: s.p99, n: s.n });
  }

  /** A latency distribution over many operations. */
  addLatency(base: Omit<Run, 'median' | 'p95' | 'p99' | 'n'>, samples: number[]): Run {
    const s = summarize(samples);
    return this.add({ ...base, median: s.median, p95: s.p95, p99: s.p99, n: s.n });
  }
}

function fmt(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3);
}

/**
 * Runs `workers` loops of `op` until `durationMs` has passed (each loop finishes its operation:
 * the load stops by itself). Returns the operations' count, the units they carried and latencies.
 */
export async function closedLoop(
  workers: number,
  durationMs: number,
  op: (worker: number) => Promise<number>,
): Promise<{ ops: number; units: number; seconds: number; latenciesMs: number[] }> {
  const latenciesMs: number[] = [];
  let units = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const n = await op(w);
        units += n;
        latenciesMs.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  return { ops: latenciesMs.length, units, seconds, latenciesMs };
}
