import type { Summary } from './stats.ts';

/** What one size of the history group measured. */
export interface SizeFigures {
  tickets: number;
  events: number;
  reads: Map<string, Summary>;
  /** events/s */
  fill: number;
  catchUp: number;
  rebuild: number | null;
  rebuildNote: string;
}

/** The read whose cost does not depend on the history (bench/history.ts): the machine's drift. */
export const controlRead = 'control: GET /ready (one database round trip)';

const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const k = (x: number) => Math.round(x).toLocaleString('en-US');

/** The section's tables: each read's latency per size, then the write-side rates per size. */
export function historySection(sizes: SizeFigures[], extra: string[]): string {
  if (sizes.length === 0) return 'No size was measured.';
  const first = sizes[0]!;
  const last = sizes.at(-1)!;
  const head = sizes.map((s) => `${k(s.tickets)} tickets (${k(s.events)} events)`);
  const out: string[] = [
    `Latency in ms through HTTP, one request at a time: median / p95 / p99 (${first.reads.values().next().value?.n ?? '?'} requests each after 20 of warm-up). The next-to-last column divides the largest size's median by the first's (the target is ≤ 2); the last divides that by the same ratio of the control \`GET /ready\` (one \`SELECT 1\` through the same server and pool), which only the machine's load moves.`,
    '',
    `| read | ${head.join(' | ')} | ${k(last.tickets)} ÷ ${k(first.tickets)} | the same ÷ the control's |`,
    `|---|${sizes.map(() => '---:').join('|')}|---:|---:|`,
  ];
  const ratioOf = (name: string) =>
    (last.reads.get(name)?.median ?? NaN) / (first.reads.get(name)?.median ?? NaN);
  const control = ratioOf(controlRead);
  for (const name of first.reads.keys()) {
    const cells = sizes.map((s) => {
      const r = s.reads.get(name);
      return r ? `${ms(r.median)} / ${ms(r.p95)} / ${ms(r.p99)}` : '';
    });
    const ratio = ratioOf(name);
    const relative = ratio / control;
    out.push(
      `| ${name} | ${cells.join(' | ')} | ${ratio.toFixed(2)}${ratio <= 2 ? '' : ' ❌'} | ${relative.toFixed(2)}${relative <= 2 ? '' : ' ❌'} |`,
    );
  }
  out.push(
    '',
    `| write side (events/s) | ${head.join(' | ')} |`,
    `|---|${sizes.map(() => '---:').join('|')}|`,
  );
  out.push(
    `| fill: one append per ticket, 8 in flight | ${sizes.map((s) => k(s.fill)).join(' | ')} |`,
  );
  out.push(
    `| projector catch-up over the events added (all projections) | ${sizes.map((s) => k(s.catchUp)).join(' | ')} |`,
  );
  out.push(
    `| rebuild of the tickets read model (shadow tables, swap) | ${sizes.map((s) => (s.rebuild === null ? s.rebuildNote || 'not run' : `${k(s.rebuild)} <br><sub>${s.rebuildNote}</sub>`)).join(' | ')} |`,
  );
  out.push('', ...extra);
  return out.join('\n');
}
