import { setTimeout as sleep } from 'node:timers/promises';
import { runCli } from '../cli';
import type { CliIo } from '../io';

/** What one in-process run printed and returned. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** @internal test support. Runs a command line in-process with captured output. */
export async function runCliCaptured(argv: string[], overrides: Partial<CliIo> = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    env: {},
    cwd: process.cwd(),
    stderrIsTTY: false,
    columns: 80,
    now: () => Date.now(),
    sleep: (ms) => sleep(ms),
    ...overrides,
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}
