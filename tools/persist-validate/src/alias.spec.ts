import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toBinary, toJsonString } from '@bufbuild/protobuf';
import { WorldSnapshotSchema } from '@persistd/contract';
import { smallWorld, TEST_REDIS_URL, uniquePrefix, WORKSPACE_ROOT } from '@persistd/testkit';

/** Runs a real process to its end, with no PERSISTD_* variable from the test's environment. */
function spawnCli(command: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PERSISTD_')));
  return new Promise((done) => {
    execFile(command, args, { cwd, env, timeout: 60_000 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

/** `persist-validate` is the old name of `persistctl validate`: the same command, arguments and exit codes. */
describe('persist-validate, the alias of persistctl validate', () => {
  const bin = join(WORKSPACE_ROOT, 'tools/persist-validate/bin/persist-validate.cjs');
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'persist-validate-alias-'));
    const invalid = smallWorld('alias-w');
    invalid.quests!.quests[0].playerId = 'nobody';
    await writeFile(join(dir, 'valid.pb'), toBinary(WorldSnapshotSchema, smallWorld('alias-w')));
    await writeFile(join(dir, 'invalid.json'), toJsonString(WorldSnapshotSchema, invalid));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('the bin, from any directory: 0 accepted, 1 rejected or never saved, 2 usage; its output is persistctl validate’s', async () => {
    const valid = await spawnCli(bin, ['--file', 'valid.pb'], dir);
    expect([valid.code, valid.stderr]).toEqual([0, '']);
    expect(valid.stdout).toMatch(/^persistctl validate: file valid\.pb \(binary\), as a save of world alias-w from epoch 0\n/);
    expect(valid.stdout).toMatch(/\nresult: ACCEPTED\n$/);

    const invalid = await spawnCli(bin, ['--file', join(dir, 'invalid.json'), '--json'], tmpdir());
    expect(invalid.code).toBe(1);
    expect(JSON.parse(invalid.stdout)).toMatchObject({ accepted: false, checks: [{ status: 'rejected', code: 'DANGLING_REFERENCE' }] });

    const never = await spawnCli(bin, ['--redis-url', TEST_REDIS_URL, '--key-prefix', uniquePrefix('alias'), 'never-saved'], dir);
    expect([never.code, never.stdout]).toEqual([1, '']);
    expect(never.stderr).toMatch(/^persistctl validate: WORLD_NOT_FOUND: world never-saved was never saved/);

    const usage = await spawnCli(bin, ['w', '--format', 'json'], dir);
    expect([usage.code, usage.stdout, usage.stderr]).toEqual([2, '', 'persistctl validate: --format applies to --file only\nrun `persistctl validate --help` for usage\n']);
  });

  it('npm run persist-validate runs the same command with the same arguments', async () => {
    const help = await spawnCli('npm', ['run', '--silent', 'persist-validate', '--', '--help'], WORKSPACE_ROOT);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: persistctl validate \[<world>\] \| --file PATH/);
    const valid = await spawnCli('npm', ['run', '--silent', 'persist-validate', '--', '--file', join(dir, 'valid.pb')], WORKSPACE_ROOT);
    expect(valid.code).toBe(0);
    expect(valid.stdout).toMatch(/\nresult: ACCEPTED\n$/);
  });
});
