import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withCodeTable } from './code-table';
import { withConfigTable } from './config-table';

/** `npm run docs:config`: rewrites README.md's generated tables — configuration and error codes. */
const path = join(__dirname, '../../../../README.md');
writeFileSync(path, withCodeTable(withConfigTable(readFileSync(path, 'utf8'))));
