import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { globsToMatcher, replacePathSepForGlob } from 'jest-util';

// The unit / integration / cluster-chaos split of jest.preset.cjs is a list of globs per
// project. These checks keep the lists honest: every spec is in exactly one kind (so `npm test`,
// which runs all, and the three kind targets run the same specs), no glob has gone stale after
// a rename, and a project declares the Nx target of each kind it has specs for.
const ROOT = join(__dirname, '../../../..');
const KINDS = ['unit', 'integration', 'cluster-chaos'] as const;
type Kind = (typeof KINDS)[number];

interface JestProject {
  dir: string;
  testMatch: string[];
}

function projectDirs(): string[] {
  return ['apps', 'libs', 'tools'].flatMap((group) =>
    readdirSync(join(ROOT, group), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && readdirSync(join(ROOT, group, entry.name)).includes('jest.config.cjs'))
      .map((entry) => join(ROOT, group, entry.name)),
  );
}

function configFor(dir: string, kind: Kind | undefined): JestProject {
  const saved = process.env.PERSISTD_TESTS;
  let config: { testMatch: string[] } | undefined;
  try {
    if (kind === undefined) delete process.env.PERSISTD_TESTS;
    else process.env.PERSISTD_TESTS = kind;
    jest.isolateModules(() => {
      config = require(join(dir, 'jest.config.cjs'));
    });
  } finally {
    if (saved === undefined) delete process.env.PERSISTD_TESTS;
    else process.env.PERSISTD_TESTS = saved;
  }
  return { dir, testMatch: config!.testMatch.map((glob) => glob.replace('<rootDir>', replacePathSepForGlob(dir))) };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

function matching(project: JestProject, files: string[]): string[] {
  const matches = globsToMatcher(project.testMatch);
  return files.filter((file) => matches(replacePathSepForGlob(file)));
}

describe('test kinds', () => {
  const dirs = projectDirs();

  it('finds the projects', () => {
    expect(dirs.map((dir) => relative(ROOT, dir))).toEqual(expect.arrayContaining(['apps/persistd', 'libs/validation', 'libs/testkit']));
  });

  it.each(dirs.map((dir) => [relative(ROOT, dir), dir]))('%s: every spec is in exactly one kind', (_name, dir) => {
    const files = filesUnder(join(dir, 'src'));
    const all = matching(configFor(dir, undefined), files).sort();
    const byKind = KINDS.flatMap((kind) => matching(configFor(dir, kind), files)).sort();
    expect(all.length).toBeGreaterThan(0);
    expect(byKind).toEqual(all);
  });

  it.each(dirs.map((dir) => [relative(ROOT, dir), dir]))('%s: every unit and cluster-chaos glob names a spec', (_name, dir) => {
    const files = filesUnder(join(dir, 'src'));
    for (const kind of ['unit', 'cluster-chaos'] as const) {
      for (const glob of configFor(dir, kind).testMatch) {
        expect({ kind, glob, found: matching({ dir, testMatch: [glob] }, files).length > 0 }).toEqual({ kind, glob, found: true });
      }
    }
  });

  it.each(dirs.map((dir) => [relative(ROOT, dir), dir]))('%s: has the Nx target of each kind it has specs of, and no other', (_name, dir) => {
    const files = filesUnder(join(dir, 'src'));
    const kindsWithSpecs = KINDS.filter((kind) => matching(configFor(dir, kind), files).length > 0);
    const targets = Object.keys(JSON.parse(readFileSync(join(dir, 'project.json'), 'utf8')).targets ?? {});
    expect(targets.filter((target) => (KINDS as readonly string[]).includes(target))).toEqual(kindsWithSpecs);
  });
});
