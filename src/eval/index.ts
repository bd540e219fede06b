/** Measuring the models: `npm run eval` (src/cli/eval.ts; docs/evaluation.md). */
export { formatFeedback, formatReport, markdownSection, type RunInfo } from './format.ts';
export { crossValidate, formatCrossValidation } from './cv.ts';
export { replayWithCorrections } from './feedback.ts';
export { evaluate, readEvalFile, toJsonSummary, type EvalResult } from './run.ts';
export { precisionCoverageSvg } from './svg.ts';
