import type { z } from 'zod';
import { validationProblem } from './problem.ts';

/** Parses one part of a request with its schema; a failure becomes a 422 problem. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, where: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationProblem(result.error, where);
  return result.data;
}
