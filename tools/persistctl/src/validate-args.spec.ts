import { parseCommandArgs } from './args';
import { validateCommand } from './commands/validate';
import { redisTarget } from './redis-options';
import { runCliCaptured } from './test/run-cli';

/** Runs `persistctl validate` with an argv that must be refused before anything is read: its exit code and message. */
async function refusedUsage(argv: string[], env: Record<string, string> = {}): Promise<string> {
  const run = await runCliCaptured(['validate', ...argv], { env });
  expect([argv, run.code, run.stdout]).toEqual([argv, 2, '']);
  expect(run.stderr).toMatch(/\nrun `persistctl validate --help` for usage\n$/);
  return run.stderr.replace(/^persistctl validate: /, '').replace(/\nrun `persistctl validate --help` for usage\n$/, '');
}

const target = (argv: string[], env: Record<string, string> = {}) => redisTarget(parseCommandArgs(validateCommand, argv, env));

describe('persistctl validate arguments', () => {
  it("reads the Redis options as the daemon reads its settings: flag over variable over the daemon's default", () => {
    expect(target(['shard-7'])).toEqual({
      connection: { url: 'redis://127.0.0.1:6379', clusterSeeds: undefined, username: undefined, password: undefined, tls: undefined },
      keyPrefix: 'caelmor',
      retention: 3,
      shown: 'redis://127.0.0.1:6379',
    });
    const env = { PERSISTD_REDIS_URL: 'redis://db:6380', PERSISTD_KEY_PREFIX: 'envp', PERSISTD_RETENTION: '5', PERSISTD_REDIS_PASSWORD: 'pw', PERSISTD_REDIS_USERNAME: '', PERSISTD_REDIS_TLS: 'true' };
    expect(target(['w', '--json'], env)).toEqual({
      connection: { url: 'redis://db:6380', clusterSeeds: undefined, username: undefined, password: 'pw', tls: true },
      keyPrefix: 'envp',
      retention: 5,
      shown: 'redis://db:6380',
    });
    expect(target(['--key-prefix=flagp', '--retention', '2', '--redis-url', 'rediss://x:1', 'w'], env)).toMatchObject({ connection: { url: 'rediss://x:1' }, keyPrefix: 'flagp', retention: 2 });
    expect(target(['w'], { PERSISTD_REDIS_CLUSTER: '10.0.0.1:7000, 10.0.0.2:7001' })).toMatchObject({ connection: { clusterSeeds: ['10.0.0.1:7000', '10.0.0.2:7001'] }, shown: 'cluster 10.0.0.1:7000,10.0.0.2:7001' });
    expect(target(['w', '--redis-cluster', 'a:1'], { PERSISTD_REDIS_CLUSTER: 'b:2' })).toMatchObject({ connection: { clusterSeeds: ['a:1'] } });
    expect(parseCommandArgs(validateCommand, ['--', '-odd-world'], {}).positionals).toEqual(['-odd-world']);
  });

  it('answers --help whatever else is given, exit 0', async () => {
    for (const argv of [['--bogus', '-h'], ['--help'], ['w', '--retention', '0', '--help']]) {
      const run = await runCliCaptured(['validate', ...argv]);
      expect([argv, run.code, run.stderr]).toEqual([argv, 0, '']);
      expect(run.stdout).toMatch(/^usage: persistctl validate \[<world>\] \| --file PATH/);
    }
  });

  it('refuses what it cannot run with exit 2, saying why', async () => {
    expect(await refusedUsage([])).toBe('name a world id, or a snapshot with --file');
    expect(await refusedUsage(['a', 'b'])).toBe('validate: unexpected argument "b"');
    expect(await refusedUsage(['--bogus', 'w'])).toMatch(/^Unknown option '--bogus'/);
    expect(await refusedUsage(['w', '--key-prefix'])).toMatch(/^Option '--key-prefix <value>' argument missing/);
    expect(await refusedUsage(['w', '--retention', '2', '--retention', '3'])).toBe('--retention given twice');
    expect(await refusedUsage(['a}b'])).toMatch(/^<world> must match/);
    expect(await refusedUsage(['w', '--key-prefix', 'has:colon'])).toMatch(/^--key-prefix must match/);
    expect(await refusedUsage(['w'], { PERSISTD_KEY_PREFIX: 'has:colon' })).toMatch(/^PERSISTD_KEY_PREFIX must match/);
    expect(await refusedUsage(['w', '--retention', '0'])).toMatch(/^--retention must be/);
    expect(await refusedUsage(['w', '--redis-url', 'http://x'])).toBe('--redis-url must be a redis:// or rediss:// URL');
    expect(await refusedUsage(['w', '--redis-cluster', 'nohost'])).toMatch(/^--redis-cluster must be a comma list of host:port/);
    expect(await refusedUsage(['w'], { PERSISTD_REDIS_CLUSTER: 'a:99999' })).toMatch(/^PERSISTD_REDIS_CLUSTER must be a comma list of host:port/);
    expect(await refusedUsage(['w', '--redis-tls', 'yes'])).toMatch(/^--redis-tls must be true or false/);
    expect(await refusedUsage(['w', '--format', 'json'])).toBe('--format applies to --file only');
    expect(await refusedUsage(['--file', 'w.json', '--redis-url', 'redis://x'])).toBe('--redis-url applies to a stored world, not to --file');
    expect(await refusedUsage(['--file', 'w.json', '--redis-cluster', 'a:1'])).toBe('--redis-cluster applies to a stored world, not to --file');
    expect(await refusedUsage(['--file', 'w.json', 'extra'])).toMatch(/unexpected argument extra/);
    expect(await refusedUsage(['--file', 'w.txt'])).toMatch(/cannot tell the format/);
    expect(await refusedUsage(['--file', 'w.bin', '--format', 'xml'])).toMatch(/--format must be binary or json/);
    expect(await refusedUsage(['--file', 'w.bin', '--expected-epoch', '-1'])).toMatch(/^Option '--expected-epoch' argument is ambiguous/);
    expect(await refusedUsage(['--file', 'w.bin', '--expected-epoch=-1'])).toMatch(/^--expected-epoch must be an epoch number/);
    expect(await refusedUsage(['--file', 'w.bin', '--expected-epoch', '18446744073709551616'])).toBe('--expected-epoch must fit in 64 bits');
    expect(await refusedUsage(['w', '--json=yes'])).toMatch(/^Option '--json' does not take an argument/);
    expect(await refusedUsage(['--file', ''])).toBe('--file needs a path');
  });
});
