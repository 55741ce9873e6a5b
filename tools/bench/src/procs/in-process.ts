import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { joinPaths, type InProcessPath, type InProcessResult, type PathResult } from '../run/in-process';
import { Bundles } from './bundle';

const run = promisify(execFile);

/**
 * The in-process measurements of one request: the decode floor, the typed path and the wire
 * path, each in its own bundled process (in-process-worker.ts), one after the other.
 */
export async function measureInWorker(script: string, file: string, bytes: Uint8Array, reps: number, warmups: number): Promise<InProcessResult> {
  writeFileSync(file, bytes);
  try {
    const one = async (path: InProcessPath): Promise<PathResult> => {
      const { stdout } = await run(process.execPath, [script, file, path, String(reps), String(warmups)], { env: Bundles.env(), maxBuffer: 16 * 2 ** 20 });
      return JSON.parse(stdout.trim().split('\n').pop()!) as PathResult;
    };
    return joinPaths(bytes.length, await one('floor'), await one('typed'), await one('wire'));
  } finally {
    rmSync(file, { force: true });
  }
}
