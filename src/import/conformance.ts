import type { CaseReplay } from './replay.ts';
import type { LogCase, LogFormat } from './types.ts';

/** What the machine made of a log (docs/import.md, "Conformance"). */
export interface ConformanceReport {
  format: LogFormat;
  source: { file: string; sha256: string };
  log: { cases: number; events: number; activities: number };
  cases: { acceptedWhole: number; refused: number };
  /** Rows replayed and rows left after a refusal. */
  rows: { replayed: number; notReplayed: number };
  /** Counts per refused transition (`state: activity → command`), largest first. */
  refusedTransitions: { status: string; activity: string; command: string; cases: number }[];
  /** The first refusal of each refused case. */
  refusals: { caseId: string; line: number; activity: string; status: string; command: string }[];
  /** Facts of the log itself, counted from its rows (not from the machine). */
  findings: {
    /** Moves from the 3rd line back to the 2nd (BPI 2013's "push to front"): moves and cases. */
    pushedBack: { moves: number; cases: number } | null;
    /** A case that returns to a team it had left (ping-pong between teams): returns and cases. */
    teamBounces: { returns: number; cases: number } | null;
  };
}

export function conformanceReport(
  format: LogFormat,
  source: { file: string; sha256: string },
  cases: readonly LogCase[],
  replays: readonly CaseReplay[],
): ConformanceReport {
  const rows = cases.flatMap((c) => c.rows);
  const refused = replays.filter((r) => r.refused !== null);
  const byTransition = new Map<string, ConformanceReport['refusedTransitions'][number]>();
  for (const { refused: f } of refused) {
    const key = `${f!.status}\0${f!.activity}\0${f!.command}`;
    const entry = byTransition.get(key) ?? {
      status: f!.status,
      activity: f!.activity,
      command: f!.command,
      cases: 0,
    };
    entry.cases++;
    byTransition.set(key, entry);
  }
  const replayed = replays.reduce((n, r) => n + r.acceptedRows, 0);
  return {
    format,
    source,
    log: {
      cases: cases.length,
      events: rows.length,
      activities: new Set(rows.map((r) => r.activity)).size,
    },
    cases: { acceptedWhole: replays.length - refused.length, refused: refused.length },
    rows: { replayed, notReplayed: rows.length - replayed },
    refusedTransitions: [...byTransition.values()].sort(
      (a, b) => b.cases - a.cases || a.status.localeCompare(b.status),
    ),
    refusals: refused
      .map((r) => ({ caseId: r.caseId, ...r.refused! }))
      .map(({ allowed: _allowed, ...rest }) => rest),
    findings: {
      pushedBack: rows.some((r) => r.supportLine !== null) ? pushedBack(cases) : null,
      teamBounces: rows.some((r) => r.team !== null) ? teamBounces(cases) : null,
    },
  };
}

function pushedBack(cases: readonly LogCase[]) {
  let moves = 0;
  let inCases = 0;
  for (const c of cases) {
    let here = 0;
    for (let i = 1; i < c.rows.length; i++) {
      if (c.rows[i - 1]!.supportLine === 3 && c.rows[i]!.supportLine === 2) here++;
    }
    moves += here;
    if (here > 0) inCases++;
  }
  return { moves, cases: inCases };
}

/** A team that takes a case again after another team had it (A → B → A). */
function teamBounces(cases: readonly LogCase[]) {
  let returns = 0;
  let inCases = 0;
  for (const c of cases) {
    const left = new Set<string>();
    let current: string | null = null;
    let here = 0;
    for (const { team } of c.rows) {
      if (team === null || team === current) continue;
      if (left.has(team)) here++;
      if (current !== null) left.add(current);
      current = team;
    }
    returns += here;
    if (here > 0) inCases++;
  }
  return { returns, cases: inCases };
}

/** The report as Markdown, for people (the JSON beside it is for tools). */
export function formatConformance(report: ConformanceReport, limit = 20): string {
  const pct = (n: number) => `${((100 * n) / Math.max(1, report.log.cases)).toFixed(1)} %`;
  const lines = [
    `# Conformance: ${report.format} (${report.source.file})`,
    '',
    `Source SHA-256 \`${report.source.sha256}\`: ${report.log.cases} cases, ${report.log.events} events, ${report.log.activities} activities.`,
    '',
    `- cases the ticket machine accepted whole: **${report.cases.acceptedWhole}** (${pct(report.cases.acceptedWhole)})`,
    `- cases with a refused activity: **${report.cases.refused}** (${pct(report.cases.refused)}); rows not replayed after the refusal: ${report.rows.notReplayed}`,
  ];
  const { pushedBack: back, teamBounces: bounces } = report.findings;
  if (back)
    lines.push(
      `- pushed back from the 3rd to the 2nd line: ${back.moves} times, in ${back.cases} cases`,
    );
  if (bounces)
    lines.push(
      `- returned to a team it had left (ping-pong): ${bounces.returns} times, in ${bounces.cases} cases`,
    );
  lines.push(
    '',
    '## Refused transitions (first refusal per case)',
    '',
    '| state | activity | command | cases |',
    '|---|---|---|---|',
  );
  for (const t of report.refusedTransitions.slice(0, limit)) {
    lines.push(`| ${t.status} | ${t.activity} | ${t.command} | ${t.cases} |`);
  }
  if (report.refusedTransitions.length > limit)
    lines.push(`| … ${report.refusedTransitions.length - limit} more | | | |`);
  return `${lines.join('\n')}\n`;
}
