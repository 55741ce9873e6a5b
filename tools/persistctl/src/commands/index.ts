import type { CommandSpec } from '../args';
import { deleteCommand } from './delete';
import { epochsCommand } from './epochs';
import { exportCommand } from './export';
import { findPlayerCommand } from './find-player';
import { importCommand } from './import';
import { rollbackCommand } from './rollback';
import { statusCommand } from './status';
import { sweepCommand } from './sweep';
import { validateCommand } from './validate';
import { verifyCommand } from './verify';
import { watchCommand } from './watch';
import { worldsCommand } from './worlds';

/** Every command, in the order `persistctl --help` lists them. */
export const COMMANDS: readonly CommandSpec[] = [statusCommand, epochsCommand, worldsCommand, exportCommand, importCommand, rollbackCommand, deleteCommand, sweepCommand, verifyCommand, validateCommand, findPlayerCommand, watchCommand];
