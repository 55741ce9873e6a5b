/** The one history checker of the harnesses (chaos and the cluster suites): what clients did, what the store holds, what broke. */
export * from './types';
export * from './classify';
export * from './recorder';
export * from './check-history';
