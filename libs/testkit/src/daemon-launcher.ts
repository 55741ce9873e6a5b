import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { exited, type ExitInfo, terminate, track } from './child-process';
import { daemonAnswers } from './daemon-answers';
import { WORKSPACE_ROOT } from './workspace-root';

/** One JSON log line of the daemon. */
export type LogEntry = Record<string, unknown> & { msg?: string; level?: number };

/** How one persistd child process is run. */
export interface DaemonLaunch {
  /**
   * The script to run: a fresh bundle (`bundleDaemon`, `daemonBundle`) or `npm run build`'s
   * (`distEntry`). Absent: `apps/persistd/src/main.ts` from source through tsx.
   */
  entry?: string;
  /** The daemon's settings; they win over the launcher's defaults (log level info, metrics off). */
  env?: Record<string, string>;
  /**
   * What else of this process's environment the daemon sees (NODE_PATH, where a bundle finds its
   * packages, always): only PATH by default, so a test runs the same wherever it is started;
   * `persistd` adds the caller's own PERSISTD_* settings (a benchmark of PERSISTD_SAVE_WORKERS=1);
   * `all` everything.
   */
  inherit?: 'path' | 'persistd' | 'all';
  /** Node options before the script (`--cpu-prof`, say). */
  nodeArgs?: string[];
  /** Working directory (where a development Redis keeps its data); default the workspace root. */
  cwd?: string;
  /** Turns the command line into another that runs it (e.g. inside a private network); same pid. */
  wrap?: (argv: string[]) => string[];
}

/** An exit nobody asked for: a crash. */
export interface UnexpectedExit extends ExitInfo {
  logTail: string;
}

/** Lines of output kept for `logTail`. */
const TAIL_LINES = 200;

/**
 * persistd as a real child process: for what only a process shows (signals, exit codes, start-up
 * refusals, log lines, network faults) and for harnesses that kill and restart it. Metrics are off
 * unless the settings say otherwise: their default port is fixed, and parallel daemons would
 * share it. A restart runs the same command with the same settings, so it comes back on the same
 * address when PERSISTD_LISTEN names a port. The child is SIGKILLed if the test process exits
 * first; still, stop it in `finally` / `afterAll`.
 */
export class DaemonChildProcess {
  private current!: ChildProcess;
  private exit!: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;
  private out = '';
  private err = '';
  private partial = '';
  private readonly entries: LogEntry[] = [];
  private readonly watchers = new Set<() => void>();
  private expectingExit = false;
  private listened: string | undefined;
  /** SIGKILLs delivered through `kill`. */
  kills = 0;
  /** Exits that no `kill`, `stop` or `signal` asked for. */
  readonly crashes: UnexpectedExit[] = [];

  private constructor(
    private readonly argv: string[],
    private readonly cwd: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.spawnChild();
  }

  /** Starts the daemon and returns at once; await `listening`, `serving` or `exited`. */
  static launch(how: DaemonLaunch = {}): DaemonChildProcess {
    const script = how.entry ? ['--enable-source-maps', how.entry] : ['--import', 'tsx', join(WORKSPACE_ROOT, 'apps/persistd/src/main.ts')];
    const argv = (how.wrap ?? ((a: string[]) => a))([process.execPath, ...(how.nodeArgs ?? []), ...script]);
    return new DaemonChildProcess(argv, how.cwd ?? WORKSPACE_ROOT, { ...inherited(how.inherit ?? 'path'), PERSISTD_LOG_LEVEL: 'info', PERSISTD_METRICS_LISTEN: 'off', ...how.env });
  }

  /** Where it serves: the port PERSISTD_LISTEN names, or else the one it logged it listens on. */
  get address(): string {
    const listen = this.env.PERSISTD_LISTEN ?? '';
    if (!/:0$/.test(listen) && listen.includes(':')) return listen;
    if (this.listened) return this.listened;
    throw new Error(`the address of persistd (PERSISTD_LISTEN=${listen || 'unset'}) is known once it logs that it listens`);
  }

  get child(): ChildProcess {
    return this.current;
  }

  get pid(): number {
    return this.current.pid!;
  }

  get alive(): boolean {
    return !this.exitInfo;
  }

  /** How the current process ended, once it has. */
  get exited(): Promise<ExitInfo> {
    return this.exit;
  }

  /** Every JSON log line so far (of every start). */
  logs(): LogEntry[] {
    return [...this.entries];
  }

  /** Everything written to stdout and stderr so far (of every start). */
  output(): string {
    return this.out;
  }

  stderr(): string {
    return this.err;
  }

  /** The last lines of output, for a failure message. */
  logTail(): string {
    return this.out.split('\n').filter(Boolean).slice(-TAIL_LINES).join('\n');
  }

  /** The first log line (past or future) that matches; rejects on exit or after `timeoutMs`. */
  waitForLog(match: (entry: LogEntry) => boolean, timeoutMs = 20_000): Promise<LogEntry> {
    return new Promise<LogEntry>((resolveLog, reject) => {
      let seen = 0;
      const check = () => {
        for (; seen < this.entries.length; seen++) {
          if (match(this.entries[seen]!)) {
            done();
            resolveLog(this.entries[seen]!);
            return;
          }
        }
        if (this.exitInfo) {
          done();
          reject(new Error(`daemon exited (${JSON.stringify(this.exitInfo)}) before the log line; output:\n${this.out.slice(-4000)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no such log line within ${timeoutMs} ms; output:\n${this.out.slice(-4000)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.watchers.delete(check);
      };
      this.watchers.add(check);
      check();
    });
  }

  /** The address, once the daemon logs that it listens (log level info or lower). */
  async listening(timeoutMs?: number): Promise<string> {
    const entry = await this.waitForLog((e) => typeof e.msg === 'string' && e.msg.startsWith('persistd listening'), timeoutMs);
    this.listened = String(entry.address);
    return this.listened;
  }

  /**
   * Waits, bounded, until a handler at `address` answers (at any log level); on a timeout the
   * daemon is killed. Rejects with its output if it exits first.
   */
  async serving(address: string, timeoutMs = 30_000, pollMs = 50): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!(await daemonAnswers(address))) {
      if (this.exitInfo) throw new Error(`persistd exited during start (${JSON.stringify(this.exitInfo)}):\n${this.logTail()}`);
      if (Date.now() > until) {
        await this.kill();
        throw new Error(`persistd did not answer on ${address} within ${timeoutMs} ms:\n${this.logTail()}`);
      }
      await sleep(pollMs);
    }
  }

  /** Sends a signal (an exit it causes is not a crash). */
  signal(sig: NodeJS.Signals): void {
    if (this.exitInfo) return;
    this.expectingExit = true;
    this.current.kill(sig);
  }

  /** SIGKILL, and wait until the process is gone. */
  async kill(): Promise<void> {
    if (this.exitInfo) return;
    this.kills++;
    this.signal('SIGKILL');
    await this.exit;
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`; resolves on exit. */
  async stop(graceMs = 20_000): Promise<ExitInfo & { escalated: boolean }> {
    this.expectingExit = true;
    return terminate(this.current, 'SIGTERM', graceMs);
  }

  /**
   * Starts it again with the same command and settings, once it has exited, and waits until it
   * serves (on its fixed port) or logs that it listens.
   */
  async restart(timeoutMs = 30_000): Promise<void> {
    if (!this.exitInfo) throw new Error('persistd is still running');
    this.listened = undefined;
    this.spawnChild();
    if (/:0$/.test(this.env.PERSISTD_LISTEN ?? ':0')) await this.listening(timeoutMs);
    else await this.serving(this.address, timeoutMs);
  }

  private spawnChild(): void {
    const [cmd, ...args] = this.argv;
    const child = track(spawn(cmd!, args, { cwd: this.cwd, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] }));
    this.current = child;
    this.exitInfo = undefined;
    this.expectingExit = false;
    this.partial = '';
    child.stdout!.on('data', (b: Buffer) => this.onStdout(b.toString()));
    child.stderr!.on('data', (b: Buffer) => {
      this.err += b.toString();
      this.out += b.toString();
    });
    this.exit = exited(child).then((info) => {
      this.exitInfo = info;
      if (!this.expectingExit) this.crashes.push({ ...info, logTail: this.logTail() });
      this.notify();
      return info;
    });
  }

  private onStdout(text: string): void {
    this.out += text;
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop()!;
    for (const line of lines) {
      try {
        this.entries.push(JSON.parse(line) as LogEntry);
      } catch {
        // not a log line
      }
    }
    this.notify();
  }

  private notify(): void {
    for (const w of [...this.watchers]) w();
  }
}

/**
 * Starts the daemon on a port of its own (PERSISTD_LISTEN names it) and waits, bounded, until it
 * answers there, at any log level; a daemon that does not is stopped and its output thrown.
 */
export async function startDaemon(how: DaemonLaunch & { env: { PERSISTD_LISTEN: string } }, timeoutMs?: number, pollMs?: number): Promise<DaemonChildProcess> {
  const daemon = DaemonChildProcess.launch(how);
  try {
    await daemon.serving(daemon.address, timeoutMs, pollMs);
  } catch (e) {
    await daemon.stop(1000);
    throw e;
  }
  return daemon;
}

function inherited(what: 'path' | 'persistd' | 'all'): NodeJS.ProcessEnv {
  const base = { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_PATH: join(WORKSPACE_ROOT, 'node_modules') };
  if (what === 'all') return { ...base, ...process.env }; // a bundle finds its packages, whatever this process set
  if (what === 'path') return base;
  // the caller's own settings, not those that steer the test or bench harness
  const chosen = Object.entries(process.env).filter(([k]) => k.startsWith('PERSISTD_') && !k.startsWith('PERSISTD_BENCH_') && !k.startsWith('PERSISTD_TEST_'));
  return { ...Object.fromEntries(chosen), ...base };
}
