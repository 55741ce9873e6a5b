import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

/**
 * Children still running, and directories to remove, when the harness process exits for any
 * reason (a failed assertion, a jest timeout, Ctrl-C): nothing of a run outlives it.
 */
const live = new Set<ChildProcess>();
const dirs = new Set<string>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const c of live) c.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => process.exit(130));
  }
}

/** Kills the child (SIGKILL) if the harness exits while it still runs. */
export function track(child: ChildProcess): ChildProcess {
  hookExit();
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Removes the directory if the harness exits before `untrackDir`. */
export function trackDir(dir: string): void {
  hookExit();
  dirs.add(dir);
}

export function untrackDir(dir: string): void {
  dirs.delete(dir);
}

/** The last lines a child wrote, kept for the report when it misbehaves. */
export class LogTail {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(private readonly max = 200) {}

  /** Feeds a stream of the child into the tail. */
  follow(stream: NodeJS.ReadableStream | null): void {
    stream?.setEncoding?.('utf8');
    stream?.on('data', (chunk: string | Buffer) => this.push(String(chunk)));
  }

  push(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) {
      this.lines.push(line);
      if (this.lines.length > this.max) this.lines.shift();
    }
  }

  text(): string {
    return [...this.lines, this.partial].filter(Boolean).join('\n');
  }
}

/** How a child ended. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Resolves when the child has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<ExitInfo> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Sends a signal and waits for the exit, escalating to SIGKILL after `graceMs`. */
export async function terminate(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<ExitInfo & { escalated: boolean }> {
  const done = exited(child);
  if (child.exitCode !== null || child.signalCode !== null) return { ...(await done), escalated: false };
  child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([done.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs)))]);
  clearTimeout(timer);
  if (timedOut) child.kill('SIGKILL');
  return { ...(await done), escalated: timedOut };
}
