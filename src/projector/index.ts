export { liveTable, type Projection, type TableName } from './types.ts';
export {
  createProjector,
  checkpointMigrations,
  type Projector,
  type ProjectionLag,
} from './projector.ts';
export { advisoryLockLease, alwaysLeader, leaseFor, type Lease } from './lease.ts';
export { writeRows } from './rows.ts';
