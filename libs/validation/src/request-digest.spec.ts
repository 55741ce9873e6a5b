import { createHash } from 'node:crypto';
import { clone, create, toBinary } from '@bufbuild/protobuf';
import { SaveChangesRequestSchema, SaveRequestSchema, StateSource, WorldSnapshotSchema, type SaveChangesRequest, type SaveRequest, type WorldSnapshot } from '@persistd/contract';
import { generateWorld, shuffleWorld } from '@persistd/testkit';
import { canonicalizeInPlace } from './canonical-record';
import fc from 'fast-check';
import { changeRequestDigest } from './change-set/request-digest';
import { CHANGES_LAYOUT } from './change-set/layout';
import { COMPILED_MODULES } from './owner-modules';
import { runSnapshotSteps, type SaveWork } from './save-steps/run-snapshot-steps';

/**
 * The request digest that decides replays (DESIGN §3, §5): one definition for Save and
 * SaveChanges, independent of the stored form, and — for SaveChanges — the very value stored
 * in request records before Save had one.
 */

const LIMITS = { maxRecordsPerSection: 250_000, maxStringBytes: 4096, maxMapEntries: 1024 };

/** Large enough that stored forms 1 and 2 cut the items differently. */
const SHAPE = { players: 6, zones: 5, npcs: 8, items: 3000, quests: 5, seed: 3 };

function saveOf(worldId: string, snapshot: WorldSnapshot, expectedEpoch = 0n, requestId = 'r-1'): SaveRequest {
  return create(SaveRequestSchema, { worldId, expectedEpoch, requestId, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot });
}

function work(req: SaveRequest, storedForm: 1 | 2 = 2): SaveWork {
  const w = runSnapshotSteps({ method: 'Save', bytes: toBinary(SaveRequestSchema, req), limits: LIMITS, principal: 'p', stored: { storedForm, rulesVersion: '' } });
  if (w.method !== 'Save') throw new Error('not a Save');
  return w;
}

/** The definition, spelled out the slow way: the domain, then the canonical request without its id. */
function byDefinition(req: SaveRequest): string {
  const copy = clone(SaveRequestSchema, req);
  copy.requestId = '';
  const snapshot = copy.snapshot as unknown as Record<string, Record<string, Record<string, unknown>[]>>;
  for (const m of COMPILED_MODULES) {
    const records = snapshot[m.sectionField.localName][m.recordsField.localName];
    for (const r of records) canonicalizeInPlace(m.recordDesc, r as never);
    const id = (r: Record<string, unknown>) => String(r[m.recordDesc.fields[0].localName]);
    records.sort((a, b) => (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0));
  }
  return createHash('sha256').update('persistd Save request v1\n').update(toBinary(SaveRequestSchema, copy)).digest('hex');
}

/** A SaveChanges' digest spelled out the slow way: the domain, then the canonical request (a clone, canonicalized and sorted) without its id. */
function changesByDefinition(req: SaveChangesRequest): string {
  const copy = clone(SaveChangesRequestSchema, req);
  copy.requestId = '';
  const changes = copy.changes as unknown as Record<string, { upserts: Record<string, unknown>[]; deletes: string[] } | undefined>;
  for (const l of CHANGES_LAYOUT) {
    const c = changes?.[l.changesField.localName];
    if (!c) continue;
    for (const r of c.upserts) canonicalizeInPlace(l.compiled.recordDesc, r as never);
    const id = (r: Record<string, unknown>) => String(r[l.compiled.recordDesc.fields[0].localName]);
    c.upserts = c.upserts.map((r, i) => ({ r, i })).sort((a, b) => (id(a.r) < id(b.r) ? -1 : id(a.r) > id(b.r) ? 1 : a.i - b.i)).map((x) => x.r);
    c.deletes = [...c.deletes].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
  return createHash('sha256').update('persistd SaveChanges request v1\n').update(toBinary(SaveChangesRequestSchema, copy)).digest('hex');
}

describe('request digests', () => {
  const world = generateWorld({ worldId: 'rd-w', ...SHAPE });

  it("a Save's is SHA-256 of its domain and the canonical request without request_id, fed from the chunks", () => {
    const req = saveOf('rd-w', shuffleWorld(clone(WorldSnapshotSchema, world), 9));
    // A record whose map is out of key order: not canonical as sent.
    const attrs = req.snapshot!.players!.players[0].save!.attributes;
    req.snapshot!.players!.players[0].save!.attributes = Object.fromEntries(Object.entries(attrs).reverse());
    expect(Object.keys(attrs).length).toBeGreaterThan(1);
    expect(work(req).requestDigest).toBe(byDefinition(req));
  });

  it('does not depend on the stored form, the order of records or the request id', () => {
    const one = work(saveOf('rd-w', world), 1);
    const two = work(saveOf('rd-w', world), 2);
    expect(one.prepared.contentDigest).not.toBe(two.prepared.contentDigest);
    expect(one.requestDigest).toBe(two.requestDigest);
    expect(work(saveOf('rd-w', shuffleWorld(clone(WorldSnapshotSchema, world), 4), 0n, 'another-id')).requestDigest).toBe(two.requestDigest);
  });

  it('differs when the request asks for anything else: a record, the expected epoch, the world', () => {
    const base = work(saveOf('rd-w', world)).requestDigest;
    const changed = clone(SaveRequestSchema, saveOf('rd-w', world));
    changed.snapshot!.items!.items[1500].durability += 1;
    expect(work(changed).requestDigest).not.toBe(base);
    const later = generateWorld({ worldId: 'rd-w', ...SHAPE, epoch: 4n });
    expect(work(saveOf('rd-w', later, 4n)).requestDigest).not.toBe(base);
    expect(work(saveOf('rd-other', generateWorld({ worldId: 'rd-other', ...SHAPE }))).requestDigest).not.toBe(base);
  });

  it("a SaveChanges' is the value its request records have held since SaveChanges existed", () => {
    const stamps = { sourceEpoch: 1n, schemaVersion: 1 };
    const empty = { ...stamps, upserts: [], deletes: [] };
    const req = create(SaveChangesRequestSchema, {
      worldId: 'golden-w',
      expectedEpoch: 1n,
      requestId: 'g-1',
      source: StateSource.AUTHORITATIVE_RUNTIME,
      changes: {
        schemaVersion: 1,
        players: { ...stamps, upserts: [{ playerId: 'p2', identity: { accountId: 'a2', displayName: 'Two' } }, { playerId: 'p1', save: { zoneId: 'z1', level: 3, attributes: { str: 4n, dex: 2n } } }], deletes: ['p9', 'p8'] },
        world: { ...empty, worldId: 'golden-w', contentVersion: 'cv-1' },
        npcs: empty,
        items: { ...stamps, upserts: [{ itemId: 'i1', templateId: 't', quantity: 2 }], deletes: [], expectedCount: 12, expectedDigest: 'ab' },
        quests: empty,
      },
    });
    // Computed by the code that wrote SaveChanges records before this definition served Save too.
    expect(changeRequestDigest(req)).toBe('c5e7e9cf4b80ff6878b608952911121305b1a7461908b400351d323a1ea187b7');
  });

  it("a SaveChanges' assembled digest is the definition's, for any change set: records in any order, maps in any order, sections absent, unknown fields", () => {
    const snapshot = generateWorld({ worldId: 'pd-w', players: 5, zones: 4, npcs: 6, items: 40, quests: 5, seed: 11 }) as unknown as Record<string, Record<string, Record<string, unknown>[]>>;
    fc.assert(
      fc.property(fc.infiniteStream(fc.nat()), fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }), fc.boolean(), (randoms, present, unknown) => {
        const pick = (n: number) => randoms.next().value % Math.max(1, n);
        const changes: Record<string, unknown> = { schemaVersion: 1 };
        CHANGES_LAYOUT.forEach((l, k) => {
          if (!present[k]) return;
          const records = snapshot[l.compiled.sectionField.localName][l.compiled.recordsField.localName];
          const upserts = Array.from({ length: pick(6) }, () => clone(l.compiled.recordDesc, records[pick(records.length)] as never) as unknown as Record<string, unknown>);
          // A map filled in reverse order: not canonical as sent.
          for (const u of upserts) for (const v of Object.values(u)) if (v && typeof v === 'object' && 'attributes' in v) (v as { attributes: object }).attributes = Object.fromEntries(Object.entries((v as { attributes: object }).attributes).reverse());
          const section: Record<string, unknown> = { sourceEpoch: BigInt(pick(3)), schemaVersion: 1, upserts, deletes: Array.from({ length: pick(4) }, () => `d${pick(50)}`), expectedDigest: pick(2) ? 'ab'.repeat(32) : '' };
          if (pick(2)) section.expectedCount = pick(100);
          if (l.compiled.entry.section === 'world') Object.assign(section, { worldId: 'pd-w', contentVersion: 'cv' });
          changes[l.changesField.localName] = section;
        });
        const req = create(SaveChangesRequestSchema, { worldId: 'pd-w', expectedEpoch: BigInt(pick(9) + 1), requestId: `r-${pick(1000)}`, source: StateSource.AUTHORITATIVE_RUNTIME, changes });
        if (unknown) {
          req.$unknown = [{ no: 90, wireType: 0, data: Uint8Array.of(1) }];
          req.changes!.$unknown = [{ no: 91, wireType: 2, data: Uint8Array.of(1, 7) }];
        }
        expect(changeRequestDigest(req)).toBe(changesByDefinition(req));
      }),
      { numRuns: 60 },
    );
  });
});
