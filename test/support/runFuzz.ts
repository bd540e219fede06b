import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';

/**
 * `npm run fuzz -- --runs N [--seed S] [--survey]`: the suite's fuzz test, longer. --survey counts
 * every violation instead of stopping at the first; --seed replays a run fast-check reported.
 */
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5000' },
    seed: { type: 'string' },
    survey: { type: 'boolean', default: false },
  },
});
if (!/^\d+$/.test(values.runs)) throw new Error('--runs takes a number of requests');

const child = spawn('npx', ['vitest', 'run', 'test/api/fuzz.int.test.ts'], {
  stdio: 'inherit',
  env: {
    ...process.env,
    FUZZ_RUNS: values.runs,
    ...(values.seed ? { FUZZ_SEED: values.seed } : {}),
    ...(values.survey ? { FUZZ_SURVEY: '1' } : {}),
  },
});
child.on('exit', (code) => process.exit(code ?? 1));
