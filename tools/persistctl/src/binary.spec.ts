import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PersistdClient } from '@persistd/client';
import { StateSource } from '@persistd/contract';
import { type DaemonProcess, freePort, bundleInChild, smallWorld, startDaemonProcess, WORKSPACE_ROOT } from '@persistd/testkit';
import { COMMANDS } from './commands';

/**
 * The CLI as operators run it: bundled the way the `build:persistctl` script bundles it
 * (esbuild, packages external, a shebang), executed as its own process; only exit codes and
 * output are looked at.
 */
let daemon: DaemonProcess;
let dir: string;
let bin: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'persistctl-bin-'));
  bin = join(dir, 'persistctl.js');
  await bundleInChild('tools/persistctl/src/main.ts', bin, { shebang: true });
  chmodSync(bin, 0o755);
  daemon = await startDaemonProcess();
  const client = new PersistdClient(daemon.address);
  try {
    await client.save({ worldId: 'bin', expectedEpoch: 0n, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot: smallWorld('bin') });
  } finally {
    client.close();
  }
}, 120_000);

afterAll(async () => {
  await daemon?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the executable (its shebang picks node) and resolves its exit code and output. */
function persistctl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { env: { PATH: process.env.PATH, NODE_PATH: join(WORKSPACE_ROOT, 'node_modules') }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: unknown }).code ?? -1) : 0, stdout, stderr });
    });
  });
}

describe('the persistctl executable', () => {
  it('prints help for itself and for every command, exit 0', async () => {
    const main = await persistctl('--help');
    expect(main.code).toBe(0);
    for (const c of COMMANDS) expect(main.stdout).toContain(`  ${c.name} `);
    for (const c of COMMANDS) {
      const run = await persistctl(c.name, '--help');
      expect(run.code).toBe(0);
      expect(run.stdout.startsWith(`usage: persistctl ${c.name}`)).toBe(true);
    }
  });

  it('exits 0 when done', async () => {
    const run = await persistctl('status', 'bin', '--address', daemon.address);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/committed\s+epoch 1/);
  });

  it('exits 1 when refused or damaged', async () => {
    const run = await persistctl('rollback', 'bin', '--to', '7', '--address', daemon.address);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('EPOCH_NOT_FOUND');
    const never = await persistctl('verify', 'never-saved', '--redis-url', daemon.redisUrl, '--key-prefix', daemon.prefix);
    expect(never.code).toBe(1);
  });

  it('exits 2 on usage errors and when it cannot connect', async () => {
    expect((await persistctl()).code).toBe(2);
    expect((await persistctl('frobnicate')).code).toBe(2);
    expect((await persistctl('status')).code).toBe(2);
    const down = await persistctl('status', 'bin', '--address', `127.0.0.1:${await freePort()}`, '--timeout', '1');
    expect(down.code).toBe(2);
    expect(down.stderr).toContain('UNAVAILABLE');
  });
});
