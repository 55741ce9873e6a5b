/** The gRPC contract of persistd: generated messages, the code list, and the grpc-js bridge. */
export * from './gen/caelmor/persist/v1/options_pb';
export * from './gen/caelmor/persist/v1/snapshot_pb';
export * from './gen/caelmor/persist/v1/changes_pb';
export * from './gen/caelmor/persist/v1/persistence_pb';
export * from './codes';
export * from './grpc-bridge';
export * from './rich-status';
export * from './utf8-cut';
export * from './validate-bounds';
export * from './chunk-id-list';
export * from './canonical';
