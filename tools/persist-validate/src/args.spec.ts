import { parseArgs } from './args';
import { CliError } from './cli-error';

const usageError = (argv: string[], env = {}) => {
  try {
    parseArgs(argv, env);
  } catch (e) {
    if (e instanceof CliError && e.kind === 'usage') return e.message;
    throw e;
  }
  throw new Error(`parsed ${JSON.stringify(argv)}; a usage error was expected`);
};

describe('parseArgs', () => {
  it('reads a stored-world target, flags winning over PERSISTD_* variables, which win over defaults', () => {
    expect(parseArgs(['shard-7'], {})).toEqual({
      help: false,
      json: false,
      target: { kind: 'stored', worldId: 'shard-7', redisUrl: 'redis://127.0.0.1:6379', keyPrefix: 'caelmor', retention: 3 },
    });
    const env = { PERSISTD_REDIS_URL: 'redis://db:6380', PERSISTD_KEY_PREFIX: 'envp', PERSISTD_RETENTION: '5', PERSISTD_REDIS_PASSWORD: 'pw', PERSISTD_REDIS_USERNAME: '' };
    expect(parseArgs(['w', '--json'], env)).toEqual({
      help: false,
      json: true,
      target: { kind: 'stored', worldId: 'w', redisUrl: 'redis://db:6380', keyPrefix: 'envp', retention: 5, password: 'pw' },
    });
    expect(parseArgs(['--key-prefix=flagp', '--retention', '2', '--redis-url', 'rediss://x:1', 'w'], env)).toMatchObject({
      target: { redisUrl: 'rediss://x:1', keyPrefix: 'flagp', retention: 2 },
    });
    expect(parseArgs(['--', '-odd-world'], {})).toMatchObject({ target: { worldId: '-odd-world' } });
  });

  it('reads a file target, the format from --format or the extension', () => {
    expect(parseArgs(['--file', 'a/world.json'], {})).toEqual({ help: false, json: false, target: { kind: 'file', path: 'a/world.json', format: 'json' } });
    for (const ext of ['bin', 'pb', 'binpb', 'BIN']) expect(parseArgs(['--file', `w.${ext}`], {})).toMatchObject({ target: { format: 'binary' } });
    expect(parseArgs(['--file', 'w.dat', '--format', 'json', '--world-id', 'w1', '--expected-epoch', '18446744073709551615'], {})).toEqual({
      help: false,
      json: false,
      target: { kind: 'file', path: 'w.dat', format: 'json', worldId: 'w1', expectedEpoch: 18446744073709551615n },
    });
  });

  it('answers --help whatever else is given', () => {
    expect(parseArgs(['--bogus', '-h'], {})).toEqual({ help: true });
    expect(parseArgs(['--help'], {})).toEqual({ help: true });
  });

  it('refuses what it cannot run, saying why', () => {
    expect(usageError([])).toMatch(/name a world id/);
    expect(usageError(['a', 'b'])).toMatch(/one world id at a time/);
    expect(usageError(['--bogus', 'w'])).toBe('unknown flag --bogus');
    expect(usageError(['w', '--key-prefix'])).toBe('--key-prefix needs a value');
    expect(usageError(['w', '--retention', '2', '--retention', '3'])).toBe('--retention given twice');
    expect(usageError(['a}b'])).toMatch(/^world id must match/);
    expect(usageError(['w', '--key-prefix', 'has:colon'])).toMatch(/^--key-prefix must match/);
    expect(usageError(['w', '--retention', '0'])).toMatch(/^--retention must be/);
    expect(usageError(['w', '--redis-url', 'http://x'])).toMatch(/redis:\/\//);
    expect(usageError(['w', '--format', 'json'])).toBe('--format applies to --file only');
    expect(usageError(['--file', 'w.json', '--redis-url', 'redis://x'])).toBe('--redis-url applies to a stored world, not to --file');
    expect(usageError(['--file', 'w.json', 'extra'])).toMatch(/unexpected argument extra/);
    expect(usageError(['--file', 'w.txt'])).toMatch(/cannot tell the format/);
    expect(usageError(['--file', 'w.bin', '--format', 'xml'])).toMatch(/--format must be binary or json/);
    expect(usageError(['--file', 'w.bin', '--expected-epoch', '-1'])).toMatch(/--expected-epoch must match/);
    expect(usageError(['--file', 'w.bin', '--expected-epoch', '18446744073709551616'])).toBe('--expected-epoch must fit in 64 bits');
    expect(usageError(['w', '--json=yes'])).toBe('--json takes no value');
    expect(usageError(['--file', ''])).toBe('--file needs a path');
  });
});
