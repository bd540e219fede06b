/**
 * Auditors' views of the log (docs/audit.md): a ticket's timeline with the model's decision
 * records and what a requester may see of it (pure: events in, views out); the hash chain's
 * Merkle log, signed checkpoints, proof bundles and verification.
 */
export {
  buildTimeline,
  modelInputHash,
  actorKindOf,
  type Timeline,
  type TimelineEntry,
  type DecisionRecord,
  type OverrideLink,
  type StateSummary,
  type ActorKind,
} from './timeline.ts';
export { requesterView, agentDisplayName, otherPeopleIn } from './requesterView.ts';
export { diffFields, type FieldChange } from './diff.ts';
export { formatTimeline } from './format.ts';
export * from './merkle.ts';
export * from './note.ts';
export { auditMigrations } from './schema.ts';
export {
  createSequencer,
  sequencerLeaseName,
  type Sequencer,
  type SequencerOptions,
} from './sequencer.ts';
export {
  bundleFormat,
  proofBundleSchema,
  verifyBundle,
  type BundleReport,
  type ProofBundle,
} from './bundle.ts';
export { buildProofBundle } from './proofs.ts';
export {
  createWitness,
  addCheckpointBody,
  parseCosignatures,
  type Witness,
  type WitnessOptions,
} from './witness.ts';
export { verifyAll, type VerifyAllOptions, type VerifyAllReport } from './verifyLog.ts';
export { formatFinding, type Finding } from './findings.ts';
export { readCheckpointFile, signerFromConfig } from './keys.ts';
export {
  allCheckpoints,
  allLeaves,
  cosignaturesOf,
  latestCheckpoint,
  type Leaf,
  type StoredCheckpoint,
} from './store.ts';
