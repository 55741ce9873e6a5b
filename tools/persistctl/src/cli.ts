import { helpOf, parseCommandArgs, type CommandSpec } from './args';
import { UsageError } from './cli-error';
import { COMMANDS } from './commands';
import { EXIT, type ExitCode } from './exit-codes';
import { describeFailure, exitCodeOf } from './failure';
import type { CliIo } from './io';

/** `persistctl --help`. */
export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: persistctl <command> [arguments] [options]',
    '',
    'Operate persistd: inspect worlds, back them up and bring them back, check what is stored.',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `persistctl <command> --help` for its arguments and options.',
    'exit codes: 0 ok, 1 refused or damaged, 2 usage or connection, 3 internal error',
    '',
  ].join('\n');
}

/**
 * Runs one persistctl command line and returns its exit code; never throws and never exits the
 * process, so tests run commands in-process. Output goes through `io`.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr(mainHelp());
    return EXIT.USAGE;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = rest[0] === undefined ? undefined : COMMANDS.find((c) => c.name === rest[0]);
    if (rest[0] !== undefined && !topic) return unknownCommand(rest[0], io);
    io.stdout(topic ? helpOf(topic) : mainHelp());
    return EXIT.OK;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) return unknownCommand(name, io);
  return runCommand(command, rest, io);
}

async function runCommand(command: CommandSpec, argv: readonly string[], io: CliIo): Promise<ExitCode> {
  try {
    const args = parseCommandArgs(command, argv, io.env);
    if (args.values.help) {
      io.stdout(helpOf(command));
      return EXIT.OK;
    }
    return await command.run({ args, io });
  } catch (e) {
    io.stderr(`persistctl ${command.name}: ${describeFailure(e)}\n`);
    if (e instanceof UsageError) io.stderr(`run \`persistctl ${command.name} --help\` for usage\n`);
    return exitCodeOf(e);
  }
}

function unknownCommand(name: string, io: CliIo): ExitCode {
  io.stderr(`persistctl: unknown command ${JSON.stringify(name)}\n\n${mainHelp()}`);
  return EXIT.USAGE;
}
