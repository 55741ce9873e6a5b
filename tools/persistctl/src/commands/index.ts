import type { CommandSpec } from '../args';
import { epochsCommand } from './epochs';
import { exportCommand } from './export';
import { importCommand } from './import';
import { rollbackCommand } from './rollback';
import { statusCommand } from './status';
import { verifyCommand } from './verify';
import { watchCommand } from './watch';

/** Every command, in the order `persistctl --help` lists them. */
export const COMMANDS: readonly CommandSpec[] = [statusCommand, epochsCommand, exportCommand, importCommand, rollbackCommand, verifyCommand, watchCommand];
