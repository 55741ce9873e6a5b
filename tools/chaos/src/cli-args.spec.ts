import { ArgsError, parseArgs } from './cli-args';

describe('parseArgs', () => {
  it('reads minutes, seed, rounds, scenarios and entry, in both flag forms', () => {
    expect(parseArgs(['--minutes', '10', '--seed=42', '--rounds', '2', '--scenario', 'racing', '--scenario=hostile', '--entry', 'x.js', '--quiet'])).toEqual({
      minutes: 10,
      seed: 42,
      rounds: 2,
      scenarios: ['racing', 'hostile'],
      entry: 'x.js',
      short: false,
      quiet: true,
    });
    expect(parseArgs([])).toEqual({ minutes: 1, short: false, quiet: false });
  });

  it('refuses what it cannot run', () => {
    expect(() => parseArgs(['--minutes', '0'])).toThrow(ArgsError);
    expect(() => parseArgs(['--seed', '-1'])).toThrow(ArgsError);
    expect(() => parseArgs(['--scenario', 'nope'])).toThrow(/unknown scenario/);
    expect(() => parseArgs(['--seed'])).toThrow(/needs a value/);
    expect(() => parseArgs(['--fast'])).toThrow(/unknown argument/);
  });
});
