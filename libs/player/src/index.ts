/** The player owner system's description of what it persists. */
export * from './player-module';
