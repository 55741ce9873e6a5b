/** SaveChanges: a change set's own checks, its request digest, and its application to a base epoch. */
export * from './layout';
export * from './record-digest';
export * from './request-checks';
export * from './request-digest';
export * from './base-records';
export * from './base-index';
export * from './index-rows';
export * from './apply-changes';
export * from './record-facts';
export * from './upsert-facts';
export * from './fast-check';
export * from './incremental-cut';
export * from './incremental-epoch';
export * from './advance-index';
export * from './index-of-epoch';
