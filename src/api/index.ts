export { createHttpApp, type HttpAppDeps } from './app.ts';
export { HttpProblem, type Problem } from './problem.ts';
