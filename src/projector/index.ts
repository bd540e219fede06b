export type { Projection } from './types.ts';
export { createProjector, checkpointMigrations, type Projector } from './projector.ts';
export { writeRows } from './rows.ts';
