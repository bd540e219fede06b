import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  LocalClassifier,
  applyCalibration,
  isotonic,
  metaTokens,
  modelText,
  loadClassifier,
  normalizeText,
  saveClassifier,
  structureFeatures,
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

describe('meta tokens', () => {
  it('hashes the "received from:" sender and keeps its domain, without digits', () => {
    const a = metaTokens('received from: abc.def@gmail.com\r\n\r\nhello', { requester: true });
    expect(a[0]).toBe('xxmail');
    expect(a[1]).toMatch(/^xxfrom_[a-z]{10}$/);
    expect(a[2]).toBe('xxdom_gmail');
    expect(a.join(' ')).not.toContain('abc');
    expect(metaTokens('received from: ABC.def@gmail.com', { requester: true })).toEqual(a);
    expect(metaTokens('no sender here', { requester: true })).toEqual([]);
  });

  it('keeps the number of job and system identifiers', () => {
    expect(metaTokens('job_1148 failed on sid_34, job_1148 again', { ids: true })).toEqual([
      'xxid_job_bbei',
      'xxid_sid_de',
    ]);
    expect(metaTokens('job_1148 failed', {})).toEqual([]);
  });

  it('appends them to the normalised text only when enabled', () => {
    expect(modelText('s', 'job_12 failed', {})).toBe('s job_# failed');
    expect(modelText('s', 'job_12 failed', { ids: true })).toBe('s job_# failed xxid_job_bc');
  });
});

describe('structure features', () => {
  it("describes the ticket's shape: copied subject, mail, form, language, capitals", () => {
    const call = structureFeatures('Account locked.', 'account locked.', 'account locked');
    expect(call).toHaveLength(12);
    expect(call[0]).toBeCloseTo(Math.log(3), 5);
    expect(call[5]).toBe(1); // subject equals description
    expect(call[11]).toBe(1); // subject capitalised
    const mail = structureFeatures(
      'drucker',
      'received from: a.b@gmail.com\r\n\r\nich kann nicht drucken',
      'ich kann nicht drucken',
    );
    expect(mail[3]).toBe(1); // mailed
    expect(mail[4]).toBe(1); // German
    expect(mail[5]).toBe(0);
    expect(mail[6]).toBe(1); // CRLF
    const form = structureFeatures(undefined, 'name: x\nlanguage:\nbrowser: ie', 'name x language');
    expect(form[1]).toBe(0);
    expect(form[9]).toBe(1); // web form
  });
});

describe('isotonic calibration', () => {
  it('pools adjacent violators into a non-decreasing map', () => {
    const c = isotonic([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [0, 1, 0, 1, 1, 1]);
    expect(c.y).toEqual([0, 0.5, 1]);
    for (let i = 1; i < c.y.length; i++) expect(c.y[i]!).toBeGreaterThanOrEqual(c.y[i - 1]!);
    expect(applyCalibration(c, 0)).toBe(0);
    expect(applyCalibration(c, 0.99)).toBe(1);
    expect(applyCalibration(c, 0.25)).toBeCloseTo(0.5, 5);
    const mid = applyCalibration(c, 0.15);
    expect(mid).toBeGreaterThan(0);
    expect(mid).toBeLessThan(0.5);
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

  it('still loads a version-1 file (no binary head, no meta-token options)', () => {
    const v1 = LocalClassifier.train(toyRows(), { folds: 3, l1Calibration: 'none' });
    const file = JSON.parse(JSON.stringify(v1.file));
    for (const key of ['requester', 'ids', 'subjectRepeat', 'l1Calibration'])
      delete file.options[key];
    delete file.l1;
    const again = LocalClassifier.fromFile(file);
    for (const text of ['password reset please', 'server outage']) {
      const a = v1.predict(undefined, text);
      const b = again.predict(undefined, text);
      expect(b.level).toBe(a.level);
      expect(b.confidence).toBeCloseTo(a.probabilities[a.level - 1]!, 5);
    }
  });

  it('still loads a version-2 file (no structure features in the stacking layer)', () => {
    const v2 = LocalClassifier.train(toyRows(), { folds: 3, structure: false });
    expect(v2.file.stack.weights[0]).toHaveLength(15);
    expect(clf.file.stack.weights[0]).toHaveLength(27);
    const file = JSON.parse(JSON.stringify(v2.file));
    delete file.options.structure;
    const again = LocalClassifier.fromFile(file);
    for (const text of ['password reset please', 'server outage']) {
      expect(again.predict('s', text).confidence).toBeCloseTo(v2.predict('s', text).confidence, 5);
    }
  });

  it('reports a calibrated level-1 confidence and cross-fitted figures', () => {
    const p = clf.predict(undefined, 'I forgot my password');
    expect(clf.file.l1?.calibration.x.length).toBeGreaterThan(0);
    expect(p.level).toBe(1);
    expect(p.confidence).toBeGreaterThan(0.5);
    expect(clf.file.crossValidation?.stacked?.accuracy).toBeGreaterThan(0.5);
    expect(clf.version).toMatch(/^tfidf-lr-knn-v3-/);
  });

  it('round-trips the optional heads and meta tokens (tried on itsm-tickets, off by default)', () => {
    const rows = toyRows().map((r, i) => ({
      ...r,
      group: `g${r.level}${i % 2}`,
      description: `received from: u${i % 3}.x@company.com\n${r.description} job_${i % 4}`,
    }));
    const opts = {
      folds: 3,
      minGroupCount: 2,
      requester: true,
      ids: true,
      subjectRepeat: 1,
      cnbAlpha: 1,
      fineLr: true,
      l1Score: 'binary' as const,
    };
    const a = LocalClassifier.train(rows, opts);
    expect(a.file.cnb).toBeDefined();
    expect(a.file.fine).toBeDefined();
    expect(a.file.l1?.weights).toBeDefined();
    const b = LocalClassifier.fromFile(JSON.parse(JSON.stringify(a.file)));
    for (const text of ['received from: u1.x@company.com\nforgot my password', 'server down']) {
      expect(b.predict('s', text).confidence).toBeCloseTo(a.predict('s', text).confidence, 5);
    }
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
