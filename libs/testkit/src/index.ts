/** Test utilities shared by every project's tests: generated worlds and a Redis of one's own prefix. */
export * from './world-generator';
export * from './redis';
export * from './fault-proxy';
export * from './redis-server';
export * from './redis-cluster';
export * from './certificates';
export * from './persistd-process';
export * from './child-process';
export * from './redis-version';
export * from './redis-replication';
export * from './test-redis-server';
export * from './private-network';
export * from './refused-worlds';
export * from './grpc-trailers';
export * from './request-floods';
export * from './stalled-restore';
export * from './node-bundle';
