/**
 * The validation harness: every rule a snapshot must keep (violations, complete and in
 * canonical order), the canonical stored form (chunks, digests, framing) and the verification of
 * stored epochs.
 */
export * from './owner-modules';
export * from './violation';
export * from './canonical-record';
export * from './validate-snapshot';
export * from './stored-form/canonical';
export * from './stored-form/boundaries';
export * from './stored-form/chunks';
export * from './stored-form/stored-tree';
export * from './stored-form/digests';
export * from './stored-form/framing';
export * from './stored-form/prepare-epoch';
export * from './stored-form/verify-stored';
export * from './limits/input-limits';
export * from './wire';
export * from './save-steps/snapshot-refused';
export * from './save-steps/run-snapshot-steps';
export * from './save-steps/save-request-digest';
export * from './request-digest';
export * from './change-set';
export * from './rules-version';
