import { helpOf, parseCommandArgs, type CommandSpec } from './args';
import { UsageError } from './cli-error';
import { COMMANDS } from './commands';
import { EXIT } from './exit-codes';

const spec: CommandSpec = {
  name: 'demo',
  summary: 'a demo',
  positionals: ['world'],
  description: 'Demo.',
  options: [
    { name: 'address', type: 'string', doc: 'where', env: 'PERSISTD_ADDRESS', default: '127.0.0.1:50051' },
    { name: 'json', type: 'boolean', doc: 'json' },
  ],
  run: async () => EXIT.OK,
};

describe('command arguments', () => {
  it('resolves flag over variable over default', () => {
    expect(parseCommandArgs(spec, ['w'], {}).values.address).toBe('127.0.0.1:50051');
    expect(parseCommandArgs(spec, ['w'], { PERSISTD_ADDRESS: 'env:1' }).values.address).toBe('env:1');
    expect(parseCommandArgs(spec, ['w', '--address', 'flag:2'], { PERSISTD_ADDRESS: 'env:1' }).values.address).toBe('flag:2');
    expect(parseCommandArgs(spec, ['--address=flag:3', 'w'], {}).values.address).toBe('flag:3');
  });

  it('refuses unknown flags, missing and extra positionals as usage errors', () => {
    expect(() => parseCommandArgs(spec, ['w', '--nope'], {})).toThrow(UsageError);
    expect(() => parseCommandArgs(spec, [], {})).toThrow(/missing <world>/);
    expect(() => parseCommandArgs(spec, ['w', 'x'], {})).toThrow(/unexpected argument "x"/);
    expect(parseCommandArgs(spec, ['--help'], {}).values.help).toBe(true); // help needs no positional
  });

  it('documents every option of every command, with its variable and default', () => {
    for (const c of COMMANDS) {
      const help = helpOf(c);
      for (const o of c.options) {
        expect(help).toContain(`--${o.name}`);
        if (o.env) expect(help).toContain(`env ${o.env}`);
        if (o.default) expect(help).toContain(`default ${o.default}`);
      }
      expect(help).toContain('exit codes: 0 ok, 1 refused or damaged, 2 usage or connection');
    }
  });
});
