import { describe, expect, it } from 'vitest';
import { articleAgreement, suggestionBand } from '../../src/eval/band.ts';

describe('the suggestion band', () => {
  // Six truly level-1 tickets among ten; the band is [0.5, 0.8) of the level-1 predictions.
  const reference = [1, 1, 1, 2, 1, 3, 1, 1, 2, 3];
  const predicted = [1, 1, 1, 1, 1, 1, 2, 1, 2, 3];
  const confidence = [0.95, 0.85, 0.7, 0.6, 0.55, 0.5, 0.75, 0.3, 0.9, 0.9];

  it('holds the level-1 predictions from the suggestion threshold up to the automatic one', () => {
    const band = suggestionBand(reference, predicted, confidence, 0.5, 0.8);
    // Rows 2-5: 0.7 (L1), 0.6 (L2), 0.55 (L1), 0.5 (L3); row 6 is not predicted level 1, row 7
    // is below the band, rows 0-1 are answered automatically.
    expect(band.rows).toEqual([2, 3, 4, 5]);
    expect(band).toMatchObject({ tickets: 4, level1: 2, precision: 0.5 });
    expect(band.coverage).toBeCloseTo(2 / 6);
    // Two answered automatically (both level 1) and two suggested, of six level-1 tickets.
    expect(band.withAutoAnswers).toBeCloseTo(4 / 6);
  });

  it('is empty, and precise by convention, when nothing falls in it', () => {
    const band = suggestionBand(reference, predicted, confidence, 0.96, 0.99);
    expect(band).toMatchObject({ tickets: 0, level1: 0, precision: 1, coverage: 0 });
    expect(band.withAutoAnswers).toBe(0);
  });
});

describe("the suggested article against the reference answer's", () => {
  it('counts band rows with a reference, those drafted, and those citing its top article', async () => {
    const answers = ['reset it via the portal', undefined, 'reconnect the VPN', 'map the drive'];
    const cited = ['password-reset', 'vpn', undefined, 'vpn'];
    const top: Record<string, string> = {
      'reset it via the portal': 'password-reset',
      'reconnect the VPN': 'vpn',
      'map the drive': 'network-drive',
    };
    const result = await articleAgreement(
      [0, 1, 2, 3],
      (i) => answers[i],
      async (i) => cited[i],
      async (answer) => top[answer],
    );
    // Row 1 has no reference; row 2 got no grounded draft; row 3 cites another article.
    expect(result).toEqual({ withReference: 3, drafted: 2, agree: 1 });
  });
});
