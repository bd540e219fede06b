import { z } from 'zod';
import { HttpProblem } from './problem.ts';
import { timestamp } from './schemas.ts';

/** Where a page of `GET /api/tickets` ends: the last ticket's creation time and id (keyset). */
export interface ListCursor {
  createdAt: string;
  id: string;
}

/** What a cursor holds, checked as strictly as the database would: a cursor is opaque to clients. */
const cursorShape = z.tuple([timestamp, z.uuid()]);

export const encodeCursor = ({ createdAt, id }: ListCursor): string =>
  Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');

/** The cursor this API returned, or a 400 for anything else (never a database error). */
export function decodeCursor(cursor: string): ListCursor {
  if (/^[\w-]{1,200}$/.test(cursor)) {
    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      value = undefined;
    }
    const parsed = cursorShape.safeParse(value);
    if (parsed.success) return { createdAt: parsed.data[0], id: parsed.data[1] };
  }
  throw new HttpProblem({
    title: 'Invalid cursor',
    status: 400,
    detail: 'the cursor is not one this API returned',
  });
}
