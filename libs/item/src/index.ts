/** The item owner system's description of what it persists. */
export * from './item-module';
