/** Change sets the SDK sends by itself: its memory of each world's committed epoch, the diff, and tracked changes. */
export * from './sections';
export * from './world-memory';
export * from './diff-snapshot';
export * from './tracked-changes';
export * from './changes-request';
export * from './no-change-base-error';
