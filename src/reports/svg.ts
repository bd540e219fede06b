import type { PeriodFigures } from '../../projections/index.ts';

const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** One bar of a stacked chart: its label and its parts' values, in the order of `series`. */
export interface StackedBar {
  label: string;
  values: number[];
}

const palette = ['#2b6cb0', '#dd6b20', '#38a169', '#805ad5'];

/**
 * A small stacked bar chart as a standalone SVG document (hand-written: a handful of rects and
 * labels needs no charting library). Values are counts; the y axis starts at 0.
 */
export function stackedBarsSvg(
  title: string,
  series: readonly string[],
  bars: readonly StackedBar[],
): string {
  const width = 720;
  const height = 320;
  const left = 48;
  const bottom = 48;
  const top = 40;
  const plotH = height - top - bottom;
  const max = Math.max(1, ...bars.map((b) => b.values.reduce((s, v) => s + v, 0)));
  const slot = (width - left - 16) / Math.max(1, bars.length);
  const barW = Math.max(1, slot * 0.8);
  const parts: string[] = [];
  bars.forEach((bar, i) => {
    let y = top + plotH;
    const x = left + i * slot + (slot - barW) / 2;
    bar.values.forEach((v, k) => {
      const h = (v / max) * plotH;
      y -= h;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}" fill="${palette[k % palette.length]}"><title>${escape(`${bar.label} ${series[k]}: ${v}`)}</title></rect>`,
      );
    });
  });
  // At most ~12 x labels, evenly spaced.
  const every = Math.max(1, Math.ceil(bars.length / 12));
  const labels = bars
    .map((bar, i) =>
      i % every === 0
        ? `<text x="${(left + i * slot + slot / 2).toFixed(1)}" y="${height - bottom + 16}" font-size="10" text-anchor="middle">${escape(bar.label)}</text>`
        : '',
    )
    .join('');
  const legend = series
    .map(
      (name, k) =>
        `<rect x="${left + k * 150}" y="${height - 18}" width="10" height="10" fill="${palette[k % palette.length]}"/><text x="${left + k * 150 + 14}" y="${height - 9}" font-size="11">${escape(name)}</text>`,
    )
    .join('');
  const axis = `<line x1="${left}" y1="${top + plotH}" x2="${width - 16}" y2="${top + plotH}" stroke="#444"/><line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#444"/><text x="${left - 6}" y="${top + 4}" font-size="10" text-anchor="end">${max}</text><text x="${left - 6}" y="${top + plotH}" font-size="10" text-anchor="end">0</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escape(title)}"><title>${escape(title)}</title><rect width="100%" height="100%" fill="#fff"/><text x="${left}" y="22" font-size="14" font-family="sans-serif">${escape(title)}</text><g font-family="sans-serif">${axis}${parts.join('')}${labels}${legend}</g></svg>\n`;
}

/** Tickets in per period, split into answered automatically, escalated to people, and the rest. */
export function volumeSvg(title: string, periods: readonly PeriodFigures[]): string {
  const byPeriod = new Map<string, number[]>();
  for (const p of periods) {
    const v = byPeriod.get(p.period) ?? [0, 0, 0];
    v[0]! += p.auto_answered;
    v[1]! += p.escalated;
    v[2]! += Math.max(0, p.tickets_in - p.auto_answered - p.escalated);
    byPeriod.set(p.period, v);
  }
  return stackedBarsSvg(
    title,
    ['answered automatically', 'escalated to people', 'other'],
    [...byPeriod].map(([label, values]) => ({ label, values })),
  );
}
