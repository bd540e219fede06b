export { rng, type Rng } from '../../src/eval/rng.ts';
