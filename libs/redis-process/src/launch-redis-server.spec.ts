import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort, launchRedisServer, portAnswers, processRuns as runs, RedisServerMissingError } from './index';

const REDIS = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';
const plain = (port: number) => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];

describe('launchRedisServer', () => {
  it('starts redis-server on a free port that answers, and stop ends it', async () => {
    const server = await launchRedisServer({ bin: REDIS, args: plain });
    expect(await portAnswers('127.0.0.1', server.port)).toBe(true);
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    await server.stop();
    expect(server.running()).toBe(false);
    expect(await portAnswers('127.0.0.1', server.port)).toBe(false);
  });

  it('says the binary is missing, distinctly from any other failure', async () => {
    await expect(launchRedisServer({ bin: 'no-such-redis-server-binary', args: plain })).rejects.toBeInstanceOf(RedisServerMissingError);
    await expect(launchRedisServer({ bin: REDIS, args: (p) => [...plain(p), '--no-such-option', 'x'] })).rejects.toThrow(/exited before listening/);
  });

  it('with watchParent, the server ends by itself when the process that started it is SIGKILLed', async () => {
    // A parent of its own to kill: it launches the server through this module, prints the pid (as a
    // string: Nx sets FORCE_COLOR for its tasks, and console.log colours a number) and stays alive
    // until it is killed (a parent that ended on its own would take the server along).
    const script = `require(${JSON.stringify(join(__dirname, 'index.ts'))}).launchRedisServer({ bin: ${JSON.stringify(REDIS)}, watchParent: true, detached: true, args: (p) => ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'] }).then((s) => { console.log(String(s.pid)); setInterval(() => undefined, 1000); })`;
    const parent = spawn(process.execPath, ['--import', 'tsx', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    // Whatever happens, the parent goes: a parent left alive keeps its server, and its pipe keeps jest from exiting.
    try {
      const pid = await new Promise<number>((resolve, reject) => {
        parent.stdout!.once('data', (b: Buffer) => resolve(Number(String(b).trim())));
        parent.once('exit', (code) => reject(new Error(`parent exited ${code}`)));
      });
      expect(runs(pid)).toBe(true);
      parent.kill('SIGKILL');
      for (let i = 0; i < 100 && runs(pid); i++) await sleep(100);
      expect(runs(pid)).toBe(false);
    } finally {
      parent.kill('SIGKILL');
      parent.stdout!.destroy();
    }
  }, 120_000);

  it('portAnswers is false where nothing listens', async () => {
    expect(await portAnswers('127.0.0.1', await freePort())).toBe(false);
  });
});
