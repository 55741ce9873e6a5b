import * as grpc from '@grpc/grpc-js';
import { generateWorld } from '@persistd/testkit';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { changesRequest } from './test/change-sets';
import { refusalOf, saveRequest, startTestDaemon, type TestDaemon } from './test/test-daemon';

const none = () => Array.from({ length: 5 }, () => ({ upserts: [] as never[], deletes: [] as string[] }));
const bearer = (token: string) => {
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${token}`);
  return md;
};

/** SaveChanges before its rules: authority, then the limits of the request, then of the result (DESIGN §4). */
describe('SaveChanges authority and limits', () => {
  let dir: string;
  let t: TestDaemon;
  const world = (worldId: string) => generateWorld({ worldId, players: 2, zones: 2, npcs: 1, items: 4, quests: 1, seed: 4 });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'persistd-changes-'));
    const file = join(dir, 'tokens');
    writeFileSync(file, 'gs-zone:tok-zone-3a1f\n');
    t = await startTestDaemon({ PERSISTD_TOKENS_FILE: file, PERSISTD_ALLOWED_PRINCIPALS: 'gs-zone=zone-*', PERSISTD_MAX_RECORDS_PER_SECTION: '4' });
  });
  afterAll(async () => {
    await t.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a caller without a token, and one bound to other worlds, before anything else', async () => {
    const req = changesRequest('shard-1', 0n, 'x', none());
    expect((await refusalOf(t.client.saveChanges(req))).reason).toBe('UNAUTHENTICATED');
    expect((await refusalOf(t.client.saveChanges(req, {}, bearer('tok-zone-3a1f')))).reason).toBe('CLIENT_AUTHORED');
  });

  it('refuses LIMIT_EXCEEDED of the request before its violations, and of the result before the result\'s', async () => {
    const md = bearer('tok-zone-3a1f');
    const base = world('zone-lim');
    await t.client.save(saveRequest('zone-lim', base, 0n, 'zone-lim-0'), {}, md);
    // Five deletes in one list: over the bound on the request itself (and INVALID_FIELD expected_epoch 0 too).
    const tooMany = none();
    tooMany[3].deletes = ['a', 'b', 'c', 'd', 'e'];
    const request = await refusalOf(t.client.saveChanges(changesRequest('zone-lim', 0n, 'zone-lim-1', tooMany), {}, md));
    expect(request.reason).toBe('LIMIT_EXCEEDED');
    expect(request.metadata.limit).toBe('max_records_per_section');
    // One new item on a base of four: the result's item section is over the bound; its ghost
    // reference (a violation) is not reached.
    const grow = none();
    const extra = { ...base.items!.items[0], itemId: 'i-new', location: { case: 'heldByNpc', value: { $typeName: 'caelmor.persist.v1.NpcHolder', npcId: 'ghost' } } };
    grow[3].upserts = [extra as never];
    const result = await refusalOf(t.client.saveChanges(changesRequest('zone-lim', 1n, 'zone-lim-2', grow, { contentVersion: base.world!.contentVersion }), {}, md));
    expect(result.reason).toBe('LIMIT_EXCEEDED');
    expect(result.metadata.limit).toBe('max_records_per_section');
    expect((await t.client.getWorldStatus({ worldId: 'zone-lim' }, {}, md)).committedEpoch).toBe(1n);
  });
});
