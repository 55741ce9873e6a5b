import type Redis from 'ioredis';
import { deletePrefix } from '@persistd/testkit';
import type { PersistdDaemon } from '../procs/persistd-daemon';

/** The value after `--name` on the command line, or `fallback`. */
export function argOf(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at >= 0 && process.argv[at + 1] ? process.argv[at + 1]! : fallback;
}

/** One JSON line of figures, numbers rounded to `decimals`. */
export function printFigures(rows: Record<string, unknown>, decimals: number): void {
  const scale = 10 ** decimals;
  process.stdout.write(`${JSON.stringify(rows, (_, v: unknown) => (typeof v === 'number' ? Math.round(v * scale) / scale : v))}\n`);
}

/** What a measuring script started: stopped and its keys deleted, whatever happened. */
export async function cleanUp(parts: { close(): void }, daemon: PersistdDaemon, redis: Redis, prefix: string): Promise<void> {
  parts.close();
  await daemon.stop();
  await deletePrefix(redis, prefix).catch(() => undefined);
  redis.disconnect();
}

/** Runs a script's main; a failure prints its stack and exits 1. */
export function runScript(main: () => Promise<void>): void {
  void main().catch((e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}
