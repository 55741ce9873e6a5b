/**
 * `persist-validate` (npm run persist-validate, the bin, nx run persist-validate:validate): the
 * old name of `persistctl validate`, kept so scripts that call it keep working. It runs that
 * command with the same arguments, so its options, output and exit codes are persistctl's.
 */
import { runCli } from './cli';
import { processIo } from './io';

runCli(['validate', ...process.argv.slice(2)], processIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`persist-validate: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 3;
  },
);
