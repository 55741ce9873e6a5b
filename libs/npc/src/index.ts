/** The npc owner system's description of what it persists. */
export * from './npc-module';
