import { describe, expect, it } from 'vitest';
import { diffFields } from '../../src/audit/index.ts';

describe('diffFields', () => {
  it('names each changed leaf by its path, reports arrays and appearing objects whole, and sorts by path', () => {
    const before = {
      status: 'a',
      level: null,
      nested: { x: 1, y: [1, 2] },
      gone: 'g',
      same: { k: [1] },
    };
    const after = {
      status: 'b',
      level: { to: 2 },
      nested: { x: 1, y: [1, 3] },
      added: true,
      same: { k: [1] },
    };
    expect(diffFields(before, after)).toEqual([
      { path: 'added', before: null, after: true },
      { path: 'gone', before: 'g', after: null },
      { path: 'level', before: null, after: { to: 2 } },
      { path: 'nested.y', before: [1, 2], after: [1, 3] },
      { path: 'status', before: 'a', after: 'b' },
    ]);
  });

  it('finds nothing between equal values, and treats absent and undefined alike', () => {
    expect(diffFields({ a: { b: [{ c: 1 }] } }, { a: { b: [{ c: 1 }] } })).toEqual([]);
    expect(diffFields({ a: undefined }, {})).toEqual([]);
  });
});
