import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { track } from '@persistd/testkit';

/**
 * Debian's python3-grpcio installs for the system interpreter, not for a pyenv `python3` that may
 * come first on PATH.
 */
const SYSTEM_PYTHON = '/usr/bin/python3';
const SCRIPT = join(__dirname, 'c-core-calls.py');

/** One unary call for the C-core client: the method's path and the request's bytes. */
export interface CCoreCall {
  path: string;
  request: Uint8Array;
}

/** What the C-core client received: the status name (`INVALID_ARGUMENT`), its message and trailers (-bin values as Buffers). */
export interface CCoreAnswer {
  code: string;
  details: string | null;
  trailing: Record<string, string | Buffer>;
}

/**
 * Makes the calls in order on one channel of gRPC's C core (python3-grpcio) and returns what it
 * received. Rejects when the client cannot run (python3-grpcio missing) or takes over `timeoutMs`.
 */
export async function callsFromCCore(address: string, calls: CCoreCall[], timeoutMs: number): Promise<CCoreAnswer[]> {
  const child = track(spawn(SYSTEM_PYTHON, [SCRIPT, address], { stdio: ['pipe', 'pipe', 'pipe'] }));
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout!.on('data', (b: Buffer) => stdout.push(b));
  child.stderr!.on('data', (b: Buffer) => stderr.push(b));
  child.stdin!.end(JSON.stringify(calls.map((c) => ({ path: c.path, request: Buffer.from(c.request).toString('base64') }))));
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the C-core client did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  if (code !== 0) throw new Error(`the C-core client exited ${code}: ${Buffer.concat(stderr).toString()}`);
  const answers = JSON.parse(Buffer.concat(stdout).toString()) as { code: string; details: string | null; trailing: Record<string, string> }[];
  return answers.map((a) => ({
    ...a,
    trailing: Object.fromEntries(Object.entries(a.trailing).map(([k, v]) => [k, k.endsWith('-bin') ? Buffer.from(v, 'base64') : v])),
  }));
}
