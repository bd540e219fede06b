import type { DecisionRecord, StateSummary, Timeline, TimelineEntry } from './timeline.ts';

/** A timeline as text, for `npm run cli -- replay` (the same content as the JSON). */

const value = (v: unknown): string => {
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

const stateLine = (s: StateSummary) =>
  `${s.status} level ${s.level ?? '-'} assignee ${s.assignee ?? '-'}`;

function decisionLines(d: DecisionRecord): string[] {
  const lines = [
    `  decision: ${d.step} ${d.outcome} by model ${d.model}` +
      ` (prompt ${d.promptVersion ?? '-'} ${d.promptHash ?? '-'}), ${d.latencyMs} ms`,
    `    input sha256 ${d.input.sha256} (${d.input.source.replaceAll('_', ' ')})`,
    `    threshold ${d.threshold}; scores per level ${d.scoresPerLevel ? value(d.scoresPerLevel) : 'not recorded'}`,
  ];
  if (d.classification) {
    const c = d.classification;
    lines.push(`    level ${c.level} ${c.category} confidence ${c.confidence}`);
  }
  if (d.failure) lines.push(`    failure ${d.failure.reason}: ${value(d.failure.message)}`);
  for (const a of d.articles.items) {
    lines.push(`    article ${a.id} "${a.title}" score ${a.score ?? `- (${d.articles.source})`}`);
  }
  for (const o of d.overriddenBy) {
    lines.push(
      `    overridden by ${o.type} at version ${o.version} (${o.eventId}) by ${o.actorId}`,
    );
  }
  if (d.overriddenBy.length === 0) lines.push('    not overridden');
  return lines;
}

function entryLines(e: TimelineEntry): string[] {
  const lines = [
    `v${e.version} ${e.at} ${e.type} by ${e.actor.id} (${e.actor.role}, ${e.actor.kind})${e.anomaly ? ' ANOMALY' : ''}`,
    `  ${stateLine(e.before)} -> ${stateLine(e.after)}`,
  ];
  for (const c of e.changes) lines.push(`  ${c.path}: ${value(c.before)} -> ${value(c.after)}`);
  if (e.decision) lines.push(...decisionLines(e.decision));
  return lines;
}

export function formatTimeline(timeline: Timeline): string {
  const head = `ticket ${timeline.ticketId} at version ${timeline.version}, ${timeline.entries.length} events`;
  return [head, ...timeline.entries.flatMap(entryLines)].join('\n');
}
