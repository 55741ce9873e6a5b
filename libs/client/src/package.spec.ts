import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/**
 * The publishable package (libs/client/package.json + scripts/build-package.mjs) stands alone:
 * its bundles load with only npm dependencies, and its declarations type-check a consumer with
 * no workspace path aliases.
 */
const root = join(__dirname, '../../..');
const out = join(root, 'tmp', `client-package-${randomBytes(4).toString('hex')}`);

beforeAll(() => {
  mkdirSync(join(root, 'tmp'), { recursive: true });
  execFileSync(process.execPath, [join(root, 'libs/client/scripts/build-package.mjs')], { env: { ...process.env, PERSISTD_CLIENT_OUT: out }, stdio: 'pipe' });
}, 120_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

const filesUnder = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? filesUnder(join(dir, n)) : [join(dir, n)]));

describe('the @persistd/client package', () => {
  it('carries the manifest, the readme, both bundles and the declarations', () => {
    const manifest = JSON.parse(readFileSync(join(out, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({ name: '@persistd/client', main: './index.cjs', module: './index.mjs', types: './index.d.ts' });
    expect(manifest.scripts).toBeUndefined();
    for (const f of ['index.cjs', 'index.mjs', 'index.d.ts', 'README.md']) expect(statSync(join(out, f)).size).toBeGreaterThan(0);
  });

  it('loads with npm packages only: the workspace libs are bundled in', () => {
    const cjs = readFileSync(join(out, 'index.cjs'), 'utf8');
    const required = [...cjs.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
    expect(required.filter((r) => !r.startsWith('node:') && !r.startsWith('@bufbuild/protobuf') && r !== '@grpc/grpc-js')).toEqual([]);
    const script = `const sdk = require(${JSON.stringify(join(out, 'index.cjs'))});
      const s = sdk.captureSnapshot({ worldId: 'w', contentVersion: 'c', epoch: 0n, players: () => [], world: () => [], npcs: () => [], items: () => [], quests: () => [] });
      console.log([typeof sdk.PersistdClient, typeof sdk.RestoreDriver, s.world.worldId, sdk.StateSource.AUTHORITATIVE_RUNTIME].join(' '));`;
    expect(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).trim()).toBe('function function w 1');
  });

  it('types a consumer without any @persistd path alias', () => {
    for (const f of filesUnder(join(out, 'types'))) expect(readFileSync(f, 'utf8')).not.toMatch(/['"]@persistd\//);
    const consumer = join(out, 'consumer.ts');
    writeFileSync(
      consumer,
      `import { PersistdClient, captureSnapshot, isEpochConflictError, StateSource, type RestoreHandlers } from './index';
       const client = new PersistdClient('127.0.0.1:50051', { retry: { maxAttempts: 3 } });
       const snapshot = captureSnapshot({ worldId: 'w', contentVersion: 'c', epoch: 0n, players: () => [{ playerId: 'p1' }], world: () => [], npcs: () => [], items: () => [], quests: () => [] });
       const handlers: RestoreHandlers = { player: () => {}, world: () => {}, npc: () => {}, item: () => {}, quest: () => {} };
       export const run = async () => {
         try { await client.save({ worldId: 'w', expectedEpoch: 0n, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot }, { deadlineMs: 5000 }); }
         catch (e) { if (isEpochConflictError(e)) return e.committedEpoch; }
         return (await client.restore('w', {}, handlers)).epoch;
       };`,
    );
    const program = ts.createProgram([consumer], { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, types: ['node'], skipLibCheck: false });
    const messages = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(messages).toEqual([]);
  });
});
