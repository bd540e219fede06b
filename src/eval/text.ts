/** Reference-answer metrics: ROUGE-L and BLEU over lower-cased word tokens. */

export function answerTokens(text: string): string[] {
  return (
    text
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

function lcsLength(a: string[], b: string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  let prev = new Uint32Array(b.length + 1);
  let cur = new Uint32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      cur[j] = a[i - 1] === b[j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, cur[j - 1]!);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

/** ROUGE-L F1 (beta = 1) of one candidate against one reference. */
export function rougeL(candidate: string, reference: string): number {
  const c = answerTokens(candidate);
  const r = answerTokens(reference);
  const lcs = lcsLength(c, r);
  if (lcs === 0) return 0;
  const p = lcs / c.length;
  const rec = lcs / r.length;
  return (2 * p * rec) / (p + rec);
}

function ngramCounts(tokens: string[], n: number): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const g = tokens.slice(i, i + n).join(' ');
    out.set(g, (out.get(g) ?? 0) + 1);
  }
  return out;
}

/**
 * Corpus BLEU-4 (Papineni et al. 2002): clipped n-gram precisions summed over the corpus,
 * their geometric mean, times the brevity penalty. 0 when any precision is 0 (no smoothing).
 */
export function corpusBleu(candidates: string[], references: string[], maxN = 4): number {
  if (candidates.length !== references.length) throw new Error('length mismatch');
  const matches = new Array<number>(maxN).fill(0);
  const totals = new Array<number>(maxN).fill(0);
  let candLen = 0;
  let refLen = 0;
  for (let i = 0; i < candidates.length; i++) {
    const c = answerTokens(candidates[i]!);
    const r = answerTokens(references[i]!);
    candLen += c.length;
    refLen += r.length;
    for (let n = 1; n <= maxN; n++) {
      const cc = ngramCounts(c, n);
      const rc = ngramCounts(r, n);
      for (const [g, k] of cc) {
        matches[n - 1]! += Math.min(k, rc.get(g) ?? 0);
        totals[n - 1]! += k;
      }
    }
  }
  if (candLen === 0) return 0;
  let logSum = 0;
  for (let n = 0; n < maxN; n++) {
    if (matches[n] === 0 || totals[n] === 0) return 0;
    logSum += Math.log(matches[n]! / totals[n]!);
  }
  const bp = candLen >= refLen ? 1 : Math.exp(1 - refLen / candLen);
  return bp * Math.exp(logSum / maxN);
}
