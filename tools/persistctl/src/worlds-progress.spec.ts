import { PROGRESS_MIN_KEYS, scanProgress } from './commands/worlds';
import type { CliIo } from './io';

/** An in-memory CliIo with a clock the test moves. */
function ioAt(tty: boolean) {
  let now = 0;
  let stderr = '';
  const io: CliIo = { stdout: () => undefined, stderr: (t) => void (stderr += t), env: {}, cwd: process.cwd(), stderrIsTTY: tty, columns: 80, now: () => now, sleep: async () => undefined };
  return { io, tick: (ms: number) => void (now += ms), stderr: () => stderr };
}

describe('persistctl worlds progress', () => {
  it('draws keys walked and worlds found on a terminal for a large keyspace, at most every 100 ms, and ends the line once', () => {
    const t = ioAt(true);
    const report = scanProgress(t.io);
    const total = PROGRESS_MIN_KEYS * 2;
    report({ scanned: 1000, total, worlds: 3 });
    report({ scanned: 2000, total, worlds: 4 }); // within 100 ms: not drawn
    t.tick(150);
    report({ scanned: 100_000, total, worlds: 40 });
    report({ scanned: total, total, worlds: 80 });
    report({ scanned: total, total, worlds: 80 });
    expect(t.stderr()).toBe(`\rscanning 1000/${total} keys (0%), 3 worlds\rscanning 100000/${total} keys (50%), 40 worlds\rscanning ${total}/${total} keys (100%), 80 worlds\n`);
  });

  it('draws nothing for a small keyspace or when stderr is not a terminal', () => {
    for (const [tty, total] of [[true, PROGRESS_MIN_KEYS - 1], [false, PROGRESS_MIN_KEYS * 5]] as const) {
      const t = ioAt(tty);
      const report = scanProgress(t.io);
      report({ scanned: total, total, worlds: 1 });
      expect(t.stderr()).toBe('');
    }
  });
});
