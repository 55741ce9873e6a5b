import { parseArgs, type CliEnv } from './args';
import { CliError } from './cli-error';
import { EXIT, type ExitCode } from './exit-codes';
import { renderJson, renderText } from './report';
import { checkSnapshotFile } from './snapshot-file';
import { checkStoredWorld } from './stored-world';
import { USAGE } from './usage';

/** Where the CLI writes and what it reads from its environment: the process's, or a test's. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: CliEnv;
  /** Relative `--file` paths resolve against it. */
  cwd: string;
}

/**
 * persist-validate as a function: parses `argv`, checks a stored world or a snapshot file,
 * writes the report to `io.out` (trouble to `io.err`) and answers the exit code. Tests call it
 * in-process; main.ts runs it on the real process.
 */
export async function run(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  try {
    const options = parseArgs(argv, io.env);
    if (options.help) {
      io.out(USAGE);
      return EXIT.accepted;
    }
    const { target } = options;
    const report = target.kind === 'stored' ? await checkStoredWorld(target) : await checkSnapshotFile(target, io.cwd);
    io.out(options.json ? renderJson(report) : renderText(report));
    return report.accepted ? EXIT.accepted : EXIT.rejected;
  } catch (e) {
    if (e instanceof CliError) {
      io.err(`persist-validate: ${e.message}\n${e.kind === 'usage' ? 'Run persist-validate --help for usage.\n' : ''}`);
    } else {
      io.err(`persist-validate: internal error (no verdict): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    }
    return EXIT.trouble;
  }
}
