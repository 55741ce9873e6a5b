import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Ties a child's life to this process even through a SIGKILL, which runs no handler: a tiny
 * `sh` holds the read end of a pipe whose only write end is this process's. When this process
 * ends for any reason the kernel closes that end, `read` sees end-of-file and the shell sends
 * SIGTERM to the child. No polling, nothing to configure. The watcher sits in its own session so
 * a terminal's Ctrl-C (sent to the whole foreground group) does not end it early.
 *
 * Returns the watcher; end it (`release`) once the child has been stopped on purpose.
 */
export function watchParentFor(childPid: number): { release(): void } {
  const watcher: ChildProcess = spawn('/bin/sh', ['-c', 'read _ ; kill -TERM "$0" 2>/dev/null', String(childPid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  // Neither the watcher nor its pipe may keep this process's event loop alive.
  watcher.unref();
  (watcher.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  watcher.on('error', () => undefined);
  watcher.stdin?.on('error', () => undefined);
  return {
    release() {
      if (watcher.exitCode === null && watcher.signalCode === null) watcher.kill('SIGKILL');
    },
  };
}
