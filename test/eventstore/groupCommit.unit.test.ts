import { describe, expect, it } from 'vitest';
import { groupCommits } from '../../src/eventstore/groupCommit.ts';

describe('group commit', () => {
  it('runs the first call alone and the calls that arrive meanwhile as one group', async () => {
    const groups: number[][] = [];
    const run = groupCommits<number, number>(
      async (n) => {
        groups.push([n]);
        return n * 10;
      },
      async (ns) => {
        groups.push([...ns]);
        return ns.map((n) => ({ ok: n * 10 }));
      },
    );
    const results = await Promise.all([1, 2, 3, 4].map(run));
    expect(results).toEqual([10, 20, 30, 40]);
    expect(groups).toEqual([[1], [2, 3, 4]]);
  });

  it('gives each caller its own error, and runs each alone when the group fails as a whole', async () => {
    const alone: number[] = [];
    const run = groupCommits<number, number>(
      async (n) => {
        alone.push(n);
        if (n === 3) throw new Error('three fails alone');
        return n;
      },
      async (ns) => {
        if (ns.includes(3)) throw new Error('the shared transaction aborted');
        return ns.map((n) => (n === 2 ? { error: new Error('two conflicts') } : { ok: n }));
      },
    );
    const first = await Promise.allSettled([1, 2, 4].map(run));
    expect(first.map((r) => (r.status === 'fulfilled' ? r.value : String(r.reason)))).toEqual([
      1,
      'Error: two conflicts',
      4,
    ]);
    const second = await Promise.allSettled([5, 3, 6].map(run));
    expect(second.map((r) => (r.status === 'fulfilled' ? r.value : String(r.reason)))).toEqual([
      5,
      'Error: three fails alone',
      6,
    ]);
    expect(alone).toEqual([1, 5, 3, 6]);
  });
});
