import type { Logger } from 'pino';

/** A step run when shutdown begins, before the server stops taking calls. */
export type ShutdownHook = () => void | Promise<void>;

/**
 * Whether the daemon is serving, and the hooks that must run the moment it stops: the health
 * service registers one that turns NOT_SERVING, so load balancers drain the daemon
 * before its port closes. Hooks run once, in registration order; one that throws is logged and
 * does not hold shutdown up.
 */
export class ServingState {
  private stopping = false;
  private readonly hooks: ShutdownHook[] = [];

  /** False from the moment shutdown began. */
  get serving(): boolean {
    return !this.stopping;
  }

  /** Adds a hook; one added after shutdown began runs at once. */
  onShutdown(hook: ShutdownHook): void {
    if (this.stopping) void Promise.resolve().then(hook);
    else this.hooks.push(hook);
  }

  /** Marks the daemon stopping and runs the hooks (once; later calls do nothing). */
  async beginShutdown(logger?: Logger): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const hook of this.hooks.splice(0)) {
      try {
        await hook();
      } catch (err) {
        logger?.error({ err }, 'shutdown hook failed');
      }
    }
  }
}
