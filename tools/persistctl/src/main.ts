/**
 * persistctl: the operator CLI of persistd. `persistctl --help` lists the commands; each has
 * `--help`. Exit codes: 0 ok, 1 refused or damaged, 2 usage or connection, 3 internal error.
 */
import { runCli } from './cli';
import { processIo } from './io';

runCli(process.argv.slice(2), processIo()).then(
  (code) => {
    process.exitCode = code;
    // Clients and connections are closed by now; should a socket linger, do not hang on it.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (e: unknown) => {
    process.stderr.write(`persistctl: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 3;
  },
);
