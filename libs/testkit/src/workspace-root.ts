import { resolve } from 'node:path';

/** The workspace root, where the daemon's sources and the shared node_modules are. */
export const WORKSPACE_ROOT = resolve(__dirname, '../../..');
