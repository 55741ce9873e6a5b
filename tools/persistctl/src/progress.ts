import type { CliIo } from './io';

/** A progress bar: advance by units done, then done() once. */
export interface Progress {
  advance(units: number): void;
  done(): void;
}

/** Worlds below this size finish before a bar is worth drawing. */
export const PROGRESS_MIN_BYTES = 1 << 20;

/** A progress that draws nothing. */
export const NO_PROGRESS: Progress = { advance: () => undefined, done: () => undefined };

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/**
 * A byte-counting progress bar on stderr — only when stderr is a terminal (never in logs or
 * pipes) and the work is at least PROGRESS_MIN_BYTES. Redrawn at most every 100 ms.
 */
export function progressBar(io: CliIo, label: string, totalBytes: number): Progress {
  if (!io.stderrIsTTY || totalBytes < PROGRESS_MIN_BYTES) return NO_PROGRESS;
  let done = 0;
  let drawnAt = -Infinity;
  const width = Math.max(10, Math.min(40, io.columns - label.length - 30));
  const draw = () => {
    const ratio = Math.min(1, done / totalBytes);
    const filled = Math.round(ratio * width);
    io.stderr(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}% ${mb(done)}/${mb(totalBytes)}`);
    drawnAt = io.now();
  };
  return {
    advance(units) {
      done += units;
      if (io.now() - drawnAt >= 100) draw();
    },
    done() {
      done = totalBytes;
      draw();
      io.stderr('\n');
    },
  };
}
