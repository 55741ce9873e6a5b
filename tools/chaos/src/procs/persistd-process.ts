import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { daemonAnswers, exited, type ExitInfo, LogTail, terminate, track, WORKSPACE_ROOT } from '@persistd/testkit';


/** How to run one persistd. */
export interface PersistdProcessOptions {
  /** The daemon script (dist/apps/persistd/main.js or a fresh bundle). */
  entry: string;
  /** The fixed port it listens on; a restart comes back on the same one. */
  port: number;
  redisUrl: string;
  keyPrefix: string;
  /** PERSISTD_RETENTION; the checker needs every epoch of a scenario kept. */
  retention: number;
  /** Further PERSISTD_* settings. */
  env?: Record<string, string>;
}

/** An exit the harness did not cause: a crash. */
export interface UnexpectedExit extends ExitInfo {
  logTail: string;
}

/** How long a start may take before the harness gives up on the daemon. */
const START_TIMEOUT_MS = 20_000;

/**
 * A real persistd process (`node <entry>`), configured only through its documented environment
 * (DESIGN §6). The harness SIGKILLs and restarts it; any other exit is recorded as a crash.
 */
export class PersistdProcess {
  private child?: ChildProcess;
  private readonly log = new LogTail(200);
  private expectingExit = false;
  /** SIGKILLs delivered by the harness. */
  kills = 0;
  /** Exits the harness did not ask for. */
  readonly crashes: UnexpectedExit[] = [];

  constructor(readonly options: PersistdProcessOptions) {}

  static async start(options: PersistdProcessOptions): Promise<PersistdProcess> {
    const p = new PersistdProcess(options);
    await p.spawnAndWait();
    return p;
  }

  get address(): string {
    return `127.0.0.1:${this.options.port}`;
  }

  get alive(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL, and wait until the process is gone. */
  async kill(): Promise<void> {
    if (!this.child || !this.alive) return;
    this.kills++;
    this.expectingExit = true;
    const done = exited(this.child);
    this.child.kill('SIGKILL');
    await done;
  }

  /** Starts it again on the same port with the same settings. */
  async restart(): Promise<void> {
    if (this.alive) throw new Error('persistd is still running');
    await this.spawnAndWait();
  }

  /** SIGTERM (graceful), SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<ExitInfo & { escalated: boolean }> {
    if (!this.child) return { code: null, signal: null, escalated: false };
    this.expectingExit = true;
    return terminate(this.child, 'SIGTERM', graceMs);
  }

  logTail(): string {
    return this.log.text();
  }

  private env(): NodeJS.ProcessEnv {
    const o = this.options;
    return {
      PATH: process.env.PATH,
      // the bundle keeps packages external; it finds them in the workspace
      NODE_PATH: join(WORKSPACE_ROOT, 'node_modules'),
      PERSISTD_LISTEN: this.address,
      PERSISTD_REDIS_URL: o.redisUrl,
      PERSISTD_KEY_PREFIX: o.keyPrefix,
      PERSISTD_RETENTION: String(o.retention),
      PERSISTD_LOG_LEVEL: 'warn',
      // DESIGN §6 metrics default to a fixed port, which two daemons of one run would share
      PERSISTD_METRICS_LISTEN: 'off',
      ...o.env,
    };
  }

  private async spawnAndWait(): Promise<void> {
    this.expectingExit = false;
    const child = track(spawn(process.execPath, ['--enable-source-maps', this.options.entry], { env: this.env(), stdio: ['ignore', 'pipe', 'pipe'] }));
    this.child = child;
    this.log.follow(child.stdout);
    this.log.follow(child.stderr);
    child.once('exit', (code, signal) => {
      if (!this.expectingExit) this.crashes.push({ code, signal, logTail: this.log.text() });
    });
    const until = Date.now() + START_TIMEOUT_MS;
    while (!(await daemonAnswers(this.address))) {
      if (!this.alive) throw new Error(`persistd exited during start (${child.exitCode ?? child.signalCode}):\n${this.log.text()}`);
      if (Date.now() > until) {
        await this.kill();
        throw new Error(`persistd did not answer within ${START_TIMEOUT_MS} ms:\n${this.log.text()}`);
      }
      await sleep(50);
    }
  }
}

