export { liveTable, type Projection, type TableName } from './types.ts';
export { createProjector, type Projector, type ProjectionLag } from './projector.ts';
export { checkpointMigrations } from './checkpoints.ts';
export { advisoryLockLease, alwaysLeader, leaseFor, type Lease } from './lease.ts';
export { writeRows } from './rows.ts';
export { operationalColumns, type ProjectionVerification, type RowDifference } from './verify.ts';
