import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withConfigTable } from './config-table';

/** `npm run docs:config`: rewrites README.md's configuration table from the settings. */
const path = join(__dirname, '../../../../README.md');
writeFileSync(path, withConfigTable(readFileSync(path, 'utf8')));
