/** The quest owner system's description of what it persists. */
export * from './quest-module';
