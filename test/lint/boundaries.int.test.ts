import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/** The layer rules of eslint.config.js, applied to code as if it stood in the product's folders. */
const eslint = new ESLint();
const errorsOf = async (filePath: string, code: string) => {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m) => m.message);
};

describe('module boundaries enforced by npm run lint', () => {
  it('keeps the ticket module free of anything outside it and of I/O', async () => {
    expect(
      await errorsOf(
        'machines/example.ts',
        "import { eventTypes } from '../src/events/index.ts';\nimport { readFile } from 'node:fs/promises';\nexport const x = [eventTypes, readFile];\n",
      ),
    ).toEqual([
      expect.stringContaining('the ticket module depends on nothing outside it'),
      expect.stringContaining('the ticket module does no I/O'),
    ]);
  });
  it('keeps HTTP out of projections and events and stores out of src/llm', async () => {
    expect(
      await errorsOf(
        'projections/example.ts',
        "import { HttpProblem } from '../src/api/index.ts';\nexport const x = HttpProblem;\n",
      ),
    ).toEqual([expect.stringContaining('projections know no HTTP')]);
    expect(
      await errorsOf(
        'src/llm/example.ts',
        "import { createEvent } from '../events/index.ts';\nexport const x = createEvent;\n",
      ),
    ).toEqual([expect.stringContaining('src/llm imports no event or store code')]);
  });
  it('lets a module be imported only through its index.ts', async () => {
    const deep = "import { foldSla } from '../sla/clock.ts';\nexport const x = foldSla;\n";
    const door = "import { foldSla } from '../sla/index.ts';\nexport const x = foldSla;\n";
    expect(await errorsOf('src/api/example.ts', deep)).toEqual([
      expect.stringContaining('import src/sla through its index.ts'),
    ]);
    expect(await errorsOf('src/api/example.ts', door)).toEqual([]);
  });
});
