/** A record's canonical bytes and the set digest over them (DESIGN §3, §5), shared by the SDK and the daemon. */
export * from './canonical-record';
export * from './set-digest';
export * from './sha256';
export * from './meta-digest';
