/** One field that an event changed, named by its dotted path in the folded ticket. */
export interface FieldChange {
  path: string;
  before: unknown;
  after: unknown;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Deep equality of JSON-like values (what a folded ticket holds). */
function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((key) => sameValue(a[key], b[key]));
  }
  return false;
}

/**
 * The field-level difference between two versions of a JSON-like value. Objects present on both
 * sides are compared key by key (paths like `classification.level`); an object appearing or
 * disappearing, and arrays, are reported whole at their own path, which is what a reader of a
 * timeline wants ("citations became [...]", not one line per element). Absent and `undefined`
 * are the same. Sorted by path, so the output is stable.
 */
export function diffFields(before: unknown, after: unknown, prefix = ''): FieldChange[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) =>
      diffFields(before[key], after[key], prefix === '' ? key : `${prefix}.${key}`),
    );
  }
  if (sameValue(before, after)) return [];
  return [{ path: prefix, before: before ?? null, after: after ?? null }];
}
