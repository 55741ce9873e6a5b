/** The world owner system's description of what it persists. */
export * from './world-module';
