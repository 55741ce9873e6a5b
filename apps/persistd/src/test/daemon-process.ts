import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { bundleDaemon, type DaemonEntry, WORKSPACE_ROOT } from '@persistd/testkit';

/**
 * persistd as a real child process, for tests of what only a process shows: signals, exit codes,
 * start-up refusals, log lines, and network faults between the daemon and Redis. The daemon is
 * bundled once per test file the way `npm run build` bundles it (esbuild, packages external),
 * into a temporary directory — never over `dist/`, which others may be using — and run with
 * NODE_PATH pointing at the workspace's node_modules.
 */

let bundle: Promise<DaemonEntry> | undefined;

/** Builds the daemon bundle (once per test file) and returns its path. */
export async function daemonBundle(): Promise<string> {
  bundle ??= bundleDaemon();
  return (await bundle).path;
}

/** Removes the bundle directory (afterAll of a file that used it). */
export async function removeDaemonBundle(): Promise<void> {
  if (!bundle) return;
  const entry = await bundle;
  bundle = undefined;
  await entry.cleanup();
}

/** One JSON log line of the daemon. */
export type LogEntry = Record<string, unknown> & { msg?: string; level?: number };

export interface DaemonProcess {
  child: ChildProcess;
  /** Resolves with the address once the daemon logs that it listens; rejects (with its output) if it exits first. */
  listening(timeoutMs?: number): Promise<string>;
  /** The first log line (past or future) that matches; rejects on exit or after `timeoutMs`. */
  waitForLog(match: (entry: LogEntry) => boolean, timeoutMs?: number): Promise<LogEntry>;
  /** Every JSON log line so far. */
  logs(): LogEntry[];
  /** Everything written to stdout and stderr so far. */
  output(): string;
  stderr(): string;
  /** Exit code and signal, once it exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  signal(sig: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL if it has not exited within `timeoutMs`; resolves on exit. */
  stop(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Where and how the daemon process runs. */
export interface SpawnHow {
  /** Working directory (where a development Redis keeps its data); default this process's. */
  cwd?: string;
  /** Turns the command line into another that runs it (e.g. inside a private network); same pid. */
  wrap?: (argv: string[]) => string[];
}

/**
 * Starts the daemon bundle with exactly these settings (no variable inherited from the test
 * process but PATH). Metrics are off unless `env` says otherwise: their default port is fixed,
 * and daemons of parallel tests would share it.
 */
export async function spawnDaemon(env: Record<string, string>, extraEnv: Record<string, string> = {}, how: SpawnHow = {}): Promise<DaemonProcess> {
  const file = await daemonBundle();
  const [cmd, ...args] = (how.wrap ?? ((argv: string[]) => argv))([process.execPath, '--enable-source-maps', file]);
  const child = spawn(cmd!, args, {
    cwd: how.cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_PATH: join(WORKSPACE_ROOT, 'node_modules'), PERSISTD_LOG_LEVEL: 'info', PERSISTD_METRICS_LISTEN: 'off', ...extraEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let partial = '';
  const entries: LogEntry[] = [];
  const watchers = new Set<() => void>();
  const notify = () => {
    for (const w of [...watchers]) w();
  };
  child.stdout!.on('data', (b: Buffer) => {
    out += b.toString();
    partial += b.toString();
    const lines = partial.split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      try {
        entries.push(JSON.parse(line) as LogEntry);
      } catch {
        // not a log line
      }
    }
    notify();
  });
  child.stderr!.on('data', (b: Buffer) => {
    err += b.toString();
    out += b.toString();
  });
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) =>
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolveExit(exitInfo);
      notify();
    }),
  );

  const waitForLog = (match: (e: LogEntry) => boolean, timeoutMs = 20_000) =>
    new Promise<LogEntry>((resolveLog, reject) => {
      let seen = 0;
      const check = () => {
        for (; seen < entries.length; seen++) {
          if (match(entries[seen]!)) {
            done();
            resolveLog(entries[seen]!);
            return;
          }
        }
        if (exitInfo) {
          done();
          reject(new Error(`daemon exited (${JSON.stringify(exitInfo)}) before the log line; output:\n${out.slice(-4000)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no such log line within ${timeoutMs} ms; output:\n${out.slice(-4000)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        watchers.delete(check);
      };
      watchers.add(check);
      check();
    });

  return {
    child,
    exited,
    logs: () => [...entries],
    output: () => out,
    stderr: () => err,
    waitForLog,
    async listening(timeoutMs) {
      const entry = await waitForLog((e) => typeof e.msg === 'string' && e.msg.startsWith('persistd listening'), timeoutMs);
      return String(entry.address);
    },
    signal: (sig) => void (exitInfo ? undefined : child.kill(sig)),
    async stop(timeoutMs = 20_000) {
      if (!exitInfo) child.kill('SIGTERM');
      const timer = setTimeout(() => !exitInfo && child.kill('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}
