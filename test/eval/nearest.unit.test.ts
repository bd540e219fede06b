import { describe, expect, it } from 'vitest';
import { accuracyByNearest } from '../../src/eval/nearest.ts';
import { LocalClassifier, type TrainingRow } from '../../src/llm/local/index.ts';

const topics: Array<[string, 1 | 2 | 3]> = [
  ['password reset for my account', 1],
  ['outlook does not start', 1],
  ['vpn connection fails at home', 1],
  ['erp invoice posting error in module', 2],
  ['payroll report shows wrong totals', 2],
  ['database server disk full on production', 3],
  ['backup job failed on storage cluster', 3],
];

describe('results by similarity of the nearest training ticket', () => {
  it('puts near-copies of training tickets in the top band and unseen wording in the bottom one', () => {
    const rows: TrainingRow[] = [];
    topics.forEach(([text, level]) => {
      for (let i = 0; i < 6; i++)
        rows.push({ description: `${text} case ${'x'.repeat(i + 1)}`, level });
    });
    const classifier = LocalClassifier.train(rows, { folds: 2, structure: false });
    const tickets = [
      { text: 'password reset for my account case x', level: 1 },
      { text: 'backup job failed on storage cluster case xx', level: 3 },
      { text: 'the coffee machine on floor three is leaking', level: 2 },
    ];
    const bands = accuracyByNearest(
      tickets.map((t) => {
        const p = classifier.predict(undefined, t.text);
        return {
          reference: t.level,
          predicted: p.level,
          confidence: p.confidence,
          nearest: p.nearest,
        };
      }),
      0.7,
      [
        [0.9, 1],
        [0.5, 0.9],
        [0, 0.5],
      ],
    );
    expect(bands.map((b) => b.tickets)).toEqual([2, 0, 1]);
    expect(bands[0]).toMatchObject({ from: 0.9, nearestAgrees: 1, accuracy: 1 });
    expect(bands[0]!.level1Share).toBe(0.5);
    expect(bands.at(-1)).toMatchObject({ from: 0, tickets: 1 });
  });

  it('counts the auto-answers of each band and how many of them were truly level 1', () => {
    const bands = accuracyByNearest(
      [
        { reference: 1, predicted: 1, confidence: 0.9, nearest: { similarity: 0.85, level: 1 } },
        { reference: 2, predicted: 1, confidence: 0.8, nearest: { similarity: 0.9, level: 1 } },
        { reference: 1, predicted: 1, confidence: 0.5, nearest: { similarity: 0.95, level: 2 } },
        { reference: 3, predicted: 3, confidence: 0.9, nearest: undefined },
      ],
      0.7,
      [
        [0.8, 1],
        [0, 0.8],
      ],
    );
    expect(bands[0]).toEqual({
      from: 0.8,
      to: 1,
      tickets: 3,
      level1Share: 2 / 3,
      accuracy: 2 / 3,
      nearestAgrees: 1 / 3,
      nearestAgreesBinary: 1 / 3,
      autoAnswered: 2,
      autoAnswerPrecision: 0.5,
    });
    expect(bands[1]).toMatchObject({ tickets: 1, accuracy: 1, nearestAgrees: 0, autoAnswered: 0 });
  });
});
