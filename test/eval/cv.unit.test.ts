import { describe, expect, it } from 'vitest';
import { crossValidate, formatCrossValidation, outerFold } from '../../src/eval/cv.ts';
import { toyRows } from '../llm/local/fixtures.ts';

describe('crossValidate', () => {
  const rows = [
    ...toyRows(),
    ...toyRows().map((r) => ({ ...r, description: `${r.description} please` })),
  ];

  it('keeps verbatim copies in one fold, and another salt gives another split', () => {
    const copy = { ...rows[0]!, level: rows[0]!.level };
    expect(outerFold(copy, 4)).toBe(outerFold(rows[0]!, 4));
    const a = rows.map((r) => outerFold(r, 4));
    const b = rows.map((r) => outerFold(r, 4, 'other'));
    expect(a).not.toEqual(b);
  });

  it('classifies every ticket once, by a model that did not see it', () => {
    const r = crossValidate(rows, { folds: 2 }, { folds: 3 });
    expect(r.n).toBe(rows.length);
    expect(r.report.n).toBe(rows.length);
    expect(r.trainCpuSeconds).toHaveLength(3);
    expect(r.report.accuracy).toBeGreaterThan(0.5);
    expect(formatCrossValidation(r)).toMatch(
      new RegExp(`^3-fold CV on ${rows.length} tickets: accuracy `),
    );
  });
});
