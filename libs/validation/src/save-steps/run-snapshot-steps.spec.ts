import { create, toBinary } from '@bufbuild/protobuf';
import { SaveRequestSchema, StateSource, ValidateRequestSchema } from '@persistd/contract';
import { recordFlood, smallSaveBytes, smallWorld } from '@persistd/testkit';
import { runSnapshotSteps, type SaveJob } from './run-snapshot-steps';
import { SnapshotRefused } from './snapshot-refused';

/**
 * The library's save pipeline on its own, without the daemon: what it gives back, and what it
 * refuses with (code, metadata, the request's fields) in DESIGN §4's order.
 */

const LIMITS = { maxRecordsPerSection: 250_000, maxStringBytes: 4096, maxMapEntries: 1024 };

function refusalOf(job: SaveJob): SnapshotRefused {
  try {
    runSnapshotSteps(job);
  } catch (e) {
    if (e instanceof SnapshotRefused) return e;
    throw e;
  }
  throw new Error('not refused');
}

describe('runSnapshotSteps (library)', () => {
  it('a valid Save gives its fields, its stored form and the read statistics', () => {
    const work = runSnapshotSteps({ method: 'Save', bytes: smallSaveBytes('lib-steps-ok'), limits: LIMITS, principal: 'tester' });
    expect(work.method).toBe('Save');
    if (work.method !== 'Save') return;
    expect(work.header.worldId).toBe('lib-steps-ok');
    expect(work.prepared.contentDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(work.stats.records).toBeGreaterThan(0);
  });

  it('a Validate answers its violations instead of refusing', () => {
    const snapshot = smallWorld('lib-steps-v');
    snapshot.items!.items[0].quantity = 0;
    const bytes = toBinary(ValidateRequestSchema, create(ValidateRequestSchema, { worldId: 'lib-steps-v', expectedEpoch: 0n, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot }));
    const work = runSnapshotSteps({ method: 'Validate', bytes, limits: LIMITS, principal: 'tester' });
    expect(work.method === 'Validate' && work.violations.map((v) => v.code)).toContain('INVALID_FIELD');
  });

  it('a Save with violations is refused with the first violation code and the whole list', () => {
    const snapshot = smallWorld('lib-steps-bad');
    snapshot.items!.items[0].quantity = 0;
    const bytes = toBinary(SaveRequestSchema, create(SaveRequestSchema, { worldId: 'lib-steps-bad', expectedEpoch: 0n, requestId: 'r', source: StateSource.AUTHORITATIVE_RUNTIME, snapshot }));
    const e = refusalOf({ method: 'Save', bytes, limits: LIMITS, principal: 'tester' });
    expect(e.code).toBe(e.detail.violations![0].code);
    expect(e.header?.worldId).toBe('lib-steps-bad');
  });

  it('a limit broken: LIMIT_EXCEEDED naming the limit, bound and field', () => {
    const e = refusalOf({ method: 'Save', bytes: smallSaveBytes('lib-steps-lim'), limits: { ...LIMITS, maxRecordsPerSection: 5 }, principal: 'tester' });
    expect({ code: e.code, metadata: e.detail.metadata }).toEqual({ code: 'LIMIT_EXCEEDED', metadata: { limit: 'max_records_per_section', max: '5', field: 'snapshot.world.zones' } });
  });

  it('a flood: refused by the census before it is read; the world authority checked still comes first', () => {
    const flood = recordFlood('lib-steps-flood', 1024 * 1024);
    expect(refusalOf({ method: 'Save', bytes: flood, limits: LIMITS, principal: 'tester' }).detail.metadata?.limit).toBe('max_records_per_section');
    const other = refusalOf({ method: 'Save', bytes: flood, limits: LIMITS, principal: 'tester', checkedWorld: 'another-world' });
    expect({ code: other.code, worldId: other.header?.worldId }).toEqual({ code: 'CLIENT_AUTHORED', worldId: 'lib-steps-flood' });
  });

  it('bytes that do not parse: MALFORMED_REQUEST without fields', () => {
    const e = refusalOf({ method: 'Save', bytes: smallSaveBytes('lib-steps-cut').subarray(0, 40), limits: LIMITS, principal: 'tester' });
    expect({ code: e.code, header: e.header }).toEqual({ code: 'MALFORMED_REQUEST', header: undefined });
  });
});
