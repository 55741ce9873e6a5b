import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { track } from './child-process';

/**
 * A private network namespace (root only: `unshare -n`), where loopback is up and nothing
 * listens: no Redis on 6379, whatever runs on the machine. Processes run inside with `wrap`;
 * the test process, outside, reaches a TCP port inside through `relay`, a Unix socket (sockets
 * in the file system are not namespaced). `close` ends the namespace's holder and relays.
 */
export interface PrivateNetwork {
  /** The command line that runs `argv` inside this network (same pid: nsenter execs). */
  wrap(argv: string[]): string[];
  /** A Unix socket path (`unix://` + it for gRPC) relaying to 127.0.0.1:port inside. */
  relay(port: number): Promise<string>;
  close(): Promise<void>;
}

/** Absolute paths, so that a test may run a process with a PATH that lacks them. */
const which = (name: string) => execFileSync('/bin/sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();

const RELAY = `const net = require('node:net');
const [sock, port] = process.argv.slice(1);
net.createServer((c) => {
  const s = net.connect(Number(port), '127.0.0.1');
  c.pipe(s).pipe(c);
  c.on('error', () => s.destroy());
  s.on('error', () => c.destroy());
}).listen(sock, () => console.log('ready'));`;

const firstLine = (child: ChildProcess, what: string) =>
  new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (b: Buffer) => resolve(String(b).trim()));
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}) before it was ready`)));
  });

export async function openPrivateNetwork(): Promise<PrivateNetwork> {
  const unshare = which('unshare');
  const nsenter = which('nsenter');
  const ip = which('ip');
  const holder = track(spawn(unshare, ['-n', '/bin/sh', '-c', `${ip} link set lo up && echo up && exec sleep 3600`], { stdio: ['ignore', 'pipe', 'inherit'] }));
  await firstLine(holder, 'unshare -n');
  const dir = mkdtempSync(join(tmpdir(), 'persistd-netns-'));
  const relays: ChildProcess[] = [];
  const wrap = (argv: string[]) => [nsenter, '-t', String(holder.pid), '-n', ...argv];
  return {
    wrap,
    async relay(port) {
      const sock = join(dir, `relay-${port}-${relays.length}.sock`);
      const [cmd, ...args] = wrap([process.execPath, '-e', RELAY, sock, String(port)]);
      const relay = track(spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'inherit'] }));
      relays.push(relay);
      await firstLine(relay, 'relay');
      if (!existsSync(sock)) throw new Error(`relay socket ${sock} missing`);
      return sock;
    },
    async close() {
      for (const c of [...relays, holder]) {
        if (c.exitCode === null && c.signalCode === null) {
          const gone = new Promise((r) => c.once('exit', r));
          c.kill('SIGKILL');
          await gone;
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
