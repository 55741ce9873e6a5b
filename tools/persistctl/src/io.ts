import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Everything a command touches outside itself: output streams, the environment and the clock.
 * main.ts passes the process's; tests pass their own, so commands run in-process.
 */
export interface CliIo {
  /** Results: what a script reads. */
  stdout(text: string): void;
  /** Diagnostics, warnings and progress. */
  stderr(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
  /** Relative paths given on the command line resolve against it. */
  cwd: string;
  /** True when stderr is a terminal: progress bars are drawn only then. */
  stderrIsTTY: boolean;
  /** Columns of the terminal, for progress bars. */
  columns: number;
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The process's own streams, environment and clock. */
export function processIo(): CliIo {
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    env: process.env,
    cwd: process.cwd(),
    stderrIsTTY: process.stderr.isTTY === true,
    columns: process.stderr.columns || 80,
    now: () => Date.now(),
    sleep: (ms) => sleep(ms),
  };
}
