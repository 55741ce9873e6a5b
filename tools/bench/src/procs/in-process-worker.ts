/**
 * Runs one in-process measurement (decode floor, typed path or wire path) in a process of its
 * own (a fresh heap, bundled as the daemon is) on the request bytes in a file, and prints the
 * result as one JSON line:
 *
 *   node in-process-worker.js <request-file> <floor|typed|wire> <rounds> <warm-up rounds>
 */
import { readFileSync } from 'node:fs';
import { measurePath, type InProcessPath } from '../run/in-process';

if (require.main === module) {
  const [file, path, reps, warmups] = process.argv.slice(2);
  process.stdout.write(`${JSON.stringify(measurePath(path as InProcessPath, readFileSync(file), Number(reps), Number(warmups)))}\n`);
}
