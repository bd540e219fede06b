import { describe, expect, it } from 'vitest';
import { groupGaps, type GapTicket } from '../../src/kb/index.ts';

let seq = 0;
const ticket = (description: string, more: Partial<GapTicket> = {}): GapTicket => ({
  ticketId: `t${++seq}`,
  description,
  category: 'software',
  reason: 'no_grounding',
  ...more,
});

describe('groupGaps', () => {
  it('groups tickets on one topic, names the group by its heaviest terms, largest first', () => {
    const tickets = [
      ticket('SAP GUI crashes when I open the report'),
      ticket('Teams camera shows a black screen'),
      ticket('SAP GUI crash on report transaction'),
      ticket('SAP report crashes the GUI again', { reason: 'low_confidence' }),
      ticket('Teams camera black in meetings'),
    ];
    const groups = groupGaps(tickets);
    expect(groups.map((g) => g.tickets)).toEqual([3, 2]);
    const [sap, teams] = groups;
    expect(sap!.examples.map((e) => e.ticketId).sort()).toEqual(
      [tickets[0]!, tickets[2]!, tickets[3]!].map((t) => t.ticketId).sort(),
    );
    // The words all three share, not the ones only one ticket uses ("again", "transaction").
    expect(sap!.terms).toEqual(['crash', 'gui', 'report']);
    expect(sap!.topic).toMatch(/^software: /);
    expect(sap!.reasons).toEqual({ no_grounding: 2, low_confidence: 1 });
    expect(teams!.terms).toEqual(expect.arrayContaining(['camera', 'black']));
  });

  it('never puts tickets of different categories in one group', () => {
    const groups = groupGaps([
      ticket('printer offline on floor 3', { category: 'hardware' }),
      ticket('printer offline on floor 3', { category: 'network' }),
    ]);
    expect(groups).toHaveLength(2);
    expect(groups.map((g) => g.category)).toEqual(['hardware', 'network']);
  });

  it('keeps unrelated tickets apart, and the tie order is stable (category, then topic)', () => {
    const groups = groupGaps([
      ticket('badge reader at the entrance rejects my card'),
      ticket('excel macro runs slowly'),
    ]);
    expect(groups.map((g) => g.tickets)).toEqual([1, 1]);
    expect(groups[0]!.topic < groups[1]!.topic).toBe(true);
  });

  it('shows a short excerpt without addresses, the closest article, and at most N examples', () => {
    const long = `VPN token expired, mail john.doe@example.com ${'more detail '.repeat(30)}`;
    const groups = groupGaps(
      [
        ticket(long, { bestArticle: { id: 'vpn-connect', score: 0.21 } }),
        ticket('VPN token expired again'),
        ticket('VPN token expired on my laptop'),
      ],
      { examples: 2, excerptChars: 40 },
    );
    expect(groups).toHaveLength(1);
    expect(groups[0]!.examples).toHaveLength(2);
    const withArticle = groupGaps([ticket(long, { bestArticle: { id: 'vpn-connect', score: 0.21 } })], {
      excerptChars: 40,
    })[0]!.examples[0]!;
    expect(withArticle.excerpt).toHaveLength(40);
    expect(withArticle.excerpt).not.toContain('@');
    expect(withArticle.excerpt.endsWith('…')).toBe(true);
    expect(withArticle.bestArticle).toEqual({ id: 'vpn-connect', score: 0.21 });
  });

  it('returns no groups for no tickets', () => {
    expect(groupGaps([])).toEqual([]);
  });
});
