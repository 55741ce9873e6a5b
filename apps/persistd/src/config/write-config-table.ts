import { readFileSync, writeFileSync } from 'node:fs';
import { ERRORS_DOC, withCodeTable } from './code-table';
import { CONFIG_DOC, withConfigTable } from './config-table';

/** `npm run docs:config`: rewrites the generated tables of docs/configuration.md and docs/errors.md. */
const rewrite = (path: string, regenerate: (page: string) => string) => writeFileSync(path, regenerate(readFileSync(path, 'utf8')));
rewrite(CONFIG_DOC, withConfigTable);
rewrite(ERRORS_DOC, withCodeTable);
