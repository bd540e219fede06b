import type { AutoAnswerPoint } from './metrics.ts';

export interface CurveSeries {
  label: string;
  points: AutoAnswerPoint[];
  color: string;
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * A hand-written SVG of auto-answer precision (solid) and coverage (dashed) against the
 * confidence threshold, for one or more models, with the operating threshold marked.
 */
export function precisionCoverageSvg(
  series: CurveSeries[],
  options: { title: string; threshold: number; targetPrecision?: number },
): string {
  const W = 760;
  const H = 400;
  const m = { l: 56, r: 230, t: 40, b: 48 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const x = (v: number) => (m.l + v * pw).toFixed(1);
  const y = (v: number) => (m.t + (1 - v) * ph).toFixed(1);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2 - m.r / 2}" y="22" text-anchor="middle" font-size="14">${esc(options.title)}</text>`,
  );
  for (let i = 0; i <= 10; i++) {
    const v = i / 10;
    out.push(
      `<line x1="${x(v)}" y1="${y(0)}" x2="${x(v)}" y2="${y(1)}" stroke="#eee"/>`,
      `<line x1="${x(0)}" y1="${y(v)}" x2="${x(1)}" y2="${y(v)}" stroke="#eee"/>`,
      `<text x="${x(v)}" y="${Number(y(0)) + 16}" text-anchor="middle">${v.toFixed(1)}</text>`,
      `<text x="${m.l - 6}" y="${Number(y(v)) + 4}" text-anchor="end">${v.toFixed(1)}</text>`,
    );
  }
  out.push(
    `<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`,
    `<text x="${m.l + pw / 2}" y="${H - 10}" text-anchor="middle">confidence threshold (predicted level 1)</text>`,
    `<text transform="translate(16 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">fraction</text>`,
  );
  if (options.targetPrecision !== undefined) {
    const t = options.targetPrecision;
    out.push(
      `<line x1="${x(0)}" y1="${y(t)}" x2="${x(1)}" y2="${y(t)}" stroke="#999" stroke-dasharray="2 3"/>`,
      `<text x="${Number(x(0)) + 4}" y="${Number(y(t)) - 4}" fill="#666">precision ${t}</text>`,
    );
  }
  out.push(
    `<line x1="${x(options.threshold)}" y1="${y(0)}" x2="${x(options.threshold)}" y2="${y(1)}" stroke="#c00" stroke-dasharray="4 3"/>`,
    `<text x="${Number(x(options.threshold)) + 4}" y="${Number(y(0)) - 6}" fill="#c00">threshold ${options.threshold}</text>`,
  );
  let legendY = m.t + 10;
  for (const s of series) {
    const pts = s.points.filter((p) => p.answered > 0);
    const path = (get: (p: AutoAnswerPoint) => number) =>
      pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.threshold)} ${y(get(p))}`).join(' ');
    out.push(
      `<path d="${path((p) => p.precision)}" fill="none" stroke="${s.color}" stroke-width="2"/>`,
      `<path d="${path((p) => p.coverage)}" fill="none" stroke="${s.color}" stroke-width="2" stroke-dasharray="6 4"/>`,
    );
    const lx = m.l + pw + 12;
    out.push(
      `<line x1="${lx}" y1="${legendY}" x2="${lx + 24}" y2="${legendY}" stroke="${s.color}" stroke-width="2"/>`,
      `<text x="${lx + 30}" y="${legendY + 4}">${esc(s.label)} precision</text>`,
      `<line x1="${lx}" y1="${legendY + 18}" x2="${lx + 24}" y2="${legendY + 18}" stroke="${s.color}" stroke-width="2" stroke-dasharray="6 4"/>`,
      `<text x="${lx + 30}" y="${legendY + 22}">${esc(s.label)} coverage</text>`,
    );
    legendY += 44;
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
