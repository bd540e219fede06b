import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  LocalClassifier,
  loadClassifier,
  normalizeText,
  saveClassifier,
  toTrainingRow,
  trainFromRows,
} from '../../../src/llm/local/index.ts';
import { toyRows } from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'tf-local-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('text preprocessing', () => {
  it('strips mail boilerplate, numbers, umlauts and case', () => {
    const t = normalizeText(
      'received from: abc.def@gmail.com\r\n\r\nHello team,\r\n\r\nDrucker im Büro druckt nicht, ticket_no1550391 seit 10:30.\r\n\r\nBest regards\r\nJohn',
    );
    expect(t).toBe('drucker im buero druckt nicht ticket_no# seit # #');
  });
});

describe('LocalClassifier', () => {
  const clf = LocalClassifier.train(toyRows(), { folds: 3 });

  it('learns a separable toy set with confidences in [0, 1]', () => {
    const cases: Array<[string, number]> = [
      ['I forgot my password', 1],
      ['my account is locked out', 1],
      ['the sales dashboard report shows wrong totals', 2],
      ['the production database server is down', 3],
      ['nightly backup job failed', 3],
    ];
    for (const [text, level] of cases) {
      const p = clf.predict(undefined, text);
      expect(p.level, text).toBe(level);
      expect(p.confidence).toBeGreaterThanOrEqual(0);
      expect(p.confidence).toBeLessThanOrEqual(1);
      expect(p.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(p.category?.name).toBe(`cat${level}`);
      expect(p.topTerms.length).toBeGreaterThan(0);
    }
  });

  it('round-trips through its model file with identical predictions', () => {
    const path = join(dir, 'model.json');
    saveClassifier(clf, path);
    const again = loadClassifier(path);
    expect(again.version).toBe(clf.version);
    for (const text of [
      'password reset please',
      'erp posting rule change',
      'server outage',
      'hello',
    ]) {
      const a = clf.predict('s', text);
      const b = again.predict('s', text);
      expect(b.level).toBe(a.level);
      expect(b.confidence).toBeCloseTo(a.confidence, 5);
    }
    const file = JSON.parse(readFileSync(path, 'utf8'));
    expect(file.format).toBe('ticketflow-local-classifier');
    expect(file.trainingRows).toBe(toyRows().length);
  });

  it('rejects a file of another format', () => {
    expect(() => LocalClassifier.fromFile({ format: 'other' } as never)).toThrow(/not a/);
  });
});

describe('trainFromRows', () => {
  it('lets corrected rows (e.g. from agents re-levelling) replace the original label', () => {
    const rows = toyRows();
    const ticket = { subject: 'vpn', description: 'vpn profile for the new plant is missing' };
    const base = trainFromRows([...rows, { ...ticket, level: 1 }], { folds: 3 });
    expect(base.file.trainingRows).toBe(rows.length + 1);
    const corrected = trainFromRows([...rows, { ...ticket, level: 1 }], {
      folds: 3,
      extraRows: [{ ...ticket, level: 3 }],
      extraWeight: 3,
    });
    // the original row is dropped, the correction counts three times
    expect(corrected.file.trainingRows).toBe(rows.length + 3);
    expect(
      corrected.file.memory.levels.filter((l, i) =>
        corrected.file.memory.texts[i]!.includes('plant'),
      ),
    ).toEqual([3, 3, 3]);
    expect(corrected.predict(ticket.subject, ticket.description).level).toBe(3);
  });

  it('validates raw JSONL rows', () => {
    expect(toTrainingRow({ body: 'x', level: 2 })).toEqual({
      subject: undefined,
      description: 'x',
      level: 2,
      category: undefined,
      group: undefined,
    });
    expect(
      toTrainingRow({ description: 'y', subject: 's', level: '1', category: 'net' })?.level,
    ).toBe(1);
    expect(toTrainingRow({ body: 'x', level: 4 })).toBeUndefined();
    expect(toTrainingRow({ body: ' ', level: 1 })).toBeUndefined();
  });
});
