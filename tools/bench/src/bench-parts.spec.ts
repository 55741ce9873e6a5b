import { fromBinary } from '@bufbuild/protobuf';
import { BinaryReader } from '@bufbuild/protobuf/wire';
import { OwnerSystem, RestoreRequestSchema, SaveChangesRequestSchema, SaveRequestSchema, type ItemRecord } from '@persistd/contract';
import { sectionExpectations } from '@persistd/client';
import { generateWorld, smallWorld } from '@persistd/testkit';
import { ChangeChain, encodeStep } from './changes/change-chain';
import { cutByIds, newBytes } from './churn/stable-boundaries';
import { parseArgs } from './cli-args';
import { countDelimited, unchangedRequest } from './ghz-files';
import type { BenchResults } from './report/results';
import { percentile, summarize } from './report/stats';
import { chartSvg } from './report/svg-chart';
import { formatTable } from './report/table';
import { checkTargets } from './report/targets';
import { RequestTemplate, restoreRequest, worldIdOf } from './request-template';

describe('stats', () => {
  it('takes nearest-rank percentiles and rates per second', () => {
    const sample = [5, 1, 4, 2, 3, 100, 6, 7, 8, 9];
    expect(percentile(sample, 50)).toBe(5);
    expect(percentile(sample, 99)).toBe(100);
    expect(percentile([], 50)).toBeNaN();
    const s = summarize([10, 20, 30, 40], 1, 2000, 1_000_000);
    expect(s).toMatchObject({ ops: 4, errors: 1, opsPerSec: 2, mbPerSec: 2, p50Ms: 20, p99Ms: 40, maxMs: 40 });
  });
});

describe('change chain', () => {
  const world = () => generateWorld({ worldId: 'cc', players: 10, zones: 10, npcs: 30, items: 300, quests: 50, seed: 4, ids: 'by-owner' });

  it('makes each workload: 1% at random, 1% in one run of item ids, an insert that sorts first, one delete', () => {
    const chain = new ChangeChain(world());
    const random = chain.next('random-1pct');
    const changed = Object.values(random).reduce((n, s) => n + s.upserts.length + s.deletes.length, 0);
    expect(changed).toBe(4); // 1% of 400 records
    const run = chain.next('run-1pct').items.upserts.map((i) => (i as { itemId: string }).itemId);
    expect(run).toHaveLength(4);
    const n = (id: string) => Number(id.slice(1));
    expect(run.map(n)).toEqual(run.map((_, k) => n(run[0]) + k));
    const first = chain.next('insert-start').items.upserts.map((i) => (i as { itemId: string }).itemId);
    const second = chain.next('insert-start').items.upserts.map((i) => (i as { itemId: string }).itemId);
    expect([second[0] < first[0], first[0] < 'i000000']).toEqual([true, true]);
    const gone = chain.next('delete-one');
    expect([gone.items.deletes.length, gone.items.upserts.length, gone.items.expectedCount]).toEqual([1, 0, 301]);
  });

  it("carries expectations equal to a whole section's digest after the change, in requests for any world and epoch", () => {
    const w = world();
    const chain = new ChangeChain(w);
    const step = chain.next('run-1pct');
    const byId = new Map(w.items!.items.map((i) => [i.itemId, i]));
    for (const u of step.items.upserts as ItemRecord[]) byId.set(u.itemId, u);
    expect(step.items).toMatchObject(sectionExpectations('items', [...byId.values()]));
    expect(step.players).toMatchObject(sectionExpectations('players', w.players!.players));
    const req = fromBinary(SaveChangesRequestSchema, encodeStep(step, 'xS01-000000', 7n, 'content-1.0.0', 'x'));
    expect([req.worldId, req.expectedEpoch, req.changes!.items!.sourceEpoch, req.changes!.world!.worldId, req.changes!.items!.upserts.length]).toEqual(['xS01-000000', 7n, 7n, 'xS01-000000', 4]);
  });
});

describe('request template', () => {
  it('rewrites the world id everywhere it occurs, to a request for that world only', () => {
    const t = RequestTemplate.of(smallWorld('any'));
    const id = worldIdOf('s', 'M', 8, 17);
    expect(id).toBe('sM08-000017');
    const req = fromBinary(SaveRequestSchema, t.copyFor(id));
    expect([req.worldId, req.requestId, req.snapshot!.world!.worldId]).toEqual([id, `req-${id}`, id]);
    const buf = t.copyFor(id);
    t.patch(buf, worldIdOf('r', 'S', 1, 2));
    expect(fromBinary(SaveRequestSchema, buf).worldId).toBe('rS01-000002');
    expect(() => t.patch(buf, 'short')).toThrow(/11 characters/);
  });
});

describe('ghz request files', () => {
  it('are count-delimited messages, as ghz reads several from one binary file', () => {
    const messages = [restoreRequest('gS00-000000'), restoreRequest('gS00-000001')];
    const r = new BinaryReader(countDelimited(messages));
    const ids: string[] = [];
    while (r.pos < r.len) ids.push(fromBinary(RestoreRequestSchema, r.bytes()).worldId);
    expect(ids).toEqual(['gS00-000000', 'gS00-000001']);
  });

  it('hold a SaveChanges of each world at epoch 1 with every system present and nothing changed', () => {
    const req = fromBinary(SaveChangesRequestSchema, unchangedRequest('gM00-000003', 'content-9'));
    expect(req).toMatchObject({ worldId: 'gM00-000003', expectedEpoch: 1n, requestId: 'chg-gM00-000003' });
    const parts = [req.changes!.players, req.changes!.world, req.changes!.npcs, req.changes!.items, req.changes!.quests];
    expect(parts.map((p) => [p?.sourceEpoch, p?.upserts.length, p?.deletes.length])).toEqual(Array(5).fill([1n, 0, 0]));
    expect(req.changes!.world).toMatchObject({ worldId: 'gM00-000003', contentVersion: 'content-9' });
  });
});

describe('stable boundaries (the proposal)', () => {
  const section = (ids: string[]) => ({ system: OwnerSystem.ITEM, recordFieldNo: 3, ids, records: ids.map((id) => new TextEncoder().encode(`${id}:${'x'.repeat(40)}`)) });
  const ids = Array.from({ length: 4000 }, (_, i) => `i${String(i).padStart(6, '0')}`);

  it('are the same for the same records, and an early insert rewrites only the chunk around it', () => {
    const before = cutByIds(section(ids), 64);
    expect(cutByIds(section(ids), 64)).toEqual(before);
    expect(before.length).toBeGreaterThan(20);
    const inserted = [ids[0], `${ids[0]}a`, ...ids.slice(1)];
    const after = cutByIds(section(inserted), 64);
    const written = newBytes(before, after);
    expect(written.chunks).toBe(1);
    expect(written.bytes).toBeLessThan(0.1 * after.reduce((n, c) => n + c.bytes, 0));
  });

  it('still close a chunk before it passes the byte bound', () => {
    const chunks = cutByIds(section(ids), 1_000_000, 10_000);
    for (const c of chunks) expect(c.bytes).toBeLessThanOrEqual(10_000);
  });
});

describe('command line', () => {
  it('reads the modes and refuses what it does not know', () => {
    expect(parseArgs(['--quick', '--out', 'x'])).toMatchObject({ quick: true, outDir: 'x', lConcurrency: [1] });
    expect(parseArgs(['--l-concurrency', '1,8']).lConcurrency).toEqual([1, 8]);
    expect(parseArgs(['--base-daemon', '/tmp/base/main.js']).baseDaemonEntry).toBe('/tmp/base/main.js');
    expect(() => parseArgs(['--fast'])).toThrow(/unknown argument --fast/);
    expect(() => parseArgs(['--l-concurrency', '0'])).toThrow(/positive integers/);
  });
});

describe('chart', () => {
  it('is an SVG with a point per measured figure and nothing that is not a number', () => {
    const cell = (concurrency: number, mbPerSec: number) => ({ concurrency, ops: 1, errors: 0, elapsedMs: 1, opsPerSec: 1, mbPerSec, p50Ms: 5, p99Ms: 9, maxMs: 9, skipped: 0, errorSamples: [] });
    const size = (name: 'S' | 'M', k: number) => ({
      name,
      shape: { players: 1, zones: 1, npcs: 1, items: 1, quests: 1 },
      records: k,
      requestBytes: k,
      storedBytes: k,
      chunks: 1,
      inProcess: { requestBytes: k, decodeFloor: { ms: 1, mbPerSec: 10 }, typed: { ms: 1, mbPerSec: 2, decodeMs: 1, validateMs: 1, prepareMs: 1 }, wire: { ms: 1, mbPerSec: 20, stats: { typedEnvelope: false, records: 1, passedThrough: 1, sorted: 0, typed: 0 } }, sameDigest: true },
      save: [{ persistd: { ...cell(1, 3), peakRssBytes: 1 }, rawCommit: cell(1, 300) }],
      restore: [{ persistd: { ...cell(1, 50), peakRssBytes: 1, firstP50Ms: 1, firstP99Ms: 1, activationP50Ms: 1, activationP99Ms: 1 }, rawRead: cell(1, 400), stream: { ...cell(1, 200), firstP50Ms: 1 } }],
    });
    const results: BenchResults = { startedAt: 'now', durationSec: 1, mode: 'quick', machine: { node: 'v20', cpus: 2, loadAverage: [0] }, sizes: [size('S', 2000), size('M', 50000)], targets: [], notes: [] };
    const svg = chartSvg(results);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);
    expect(svg).toContain('S (2k records)');
    expect(svg).toContain('limit d: grpc-js stream c=1');
    // 7 throughput series have a value (no save c=8; the raw commit falls back to c=1), 2 p99 series: per size
    expect(svg.match(/<circle/g)!.length).toBe(2 * (7 + 2));
  });
});

describe('start-up figures', () => {
  const base = { startedAt: 'now', durationSec: 1, mode: 'quick' as const, machine: { node: 'v20', cpus: 2, loadAverage: [0] }, sizes: [], notes: [] };
  const startUp = (first: number) => ({
    warmSaveP50Ms: 20,
    runs: [
      { gameServers: 1, startToListeningMs: 900, listeningToFirstSaveMs: first },
      { gameServers: 8, startToListeningMs: 950, listeningToFirstSaveMs: 120 },
    ],
  });
  const target = (first: number) => checkTargets({ ...base, startUp: startUp(first) }).find((t) => t.target.startsWith('first save after the port opens'))!;

  it('meet the target when the first save is within 2x a warm save p50, and miss it past that', () => {
    expect(target(39).met).toBe(true);
    expect(target(41).met).toBe(false);
    expect(target(41).measured).toContain('8 at once: slowest 120.0 ms');
    expect(checkTargets(base).find((t) => t.target.startsWith('first save after the port opens'))!.met).toBe('unavailable');
  });

  it('are in the table: spawn to listening, listening to the first acknowledged save, against the warm p50', () => {
    const table = formatTable({ ...base, startUp: startUp(30), targets: [] });
    expect(table).toContain('warm save p50 20.0 ms');
    expect(table).toContain(' 1 game server(s): spawn -> listening 900 ms, listening -> first save acknowledged 30.0 ms (1.50x the warm p50)');
    expect(table).toContain(' 8 game server(s): spawn -> listening 950 ms');
  });
});

describe('restore by stored form (full mode)', () => {
  const base = { startedAt: 'now', durationSec: 1, mode: 'full' as const, machine: { node: 'v20', cpus: 2, loadAverage: [0] }, sizes: [], notes: [] };
  const forms = (ms1: number, ms2: number) => {
    const form = (form: 1 | 2, ms: number) => ({ form, messages: 17, bytes: 13_000_000, ms: [ms, ms, ms], medianMBps: 13 / (ms / 1000) });
    return { records: 250_000, rounds: 3, forms: [form(1, ms1), form(2, ms2)] as [ReturnType<typeof form>, ReturnType<typeof form>], ratio: ms1 / ms2 };
  };
  const target = (ms2: number) => checkTargets({ ...base, restoreForms: forms(300, ms2) }).find((t) => t.target.startsWith('L restore in stored form 2'))!;

  it('meet the target at 0.75x form 1 and miss it below, unavailable when not run', () => {
    expect(target(400).met).toBe(true);
    expect(target(401).met).toBe(false);
    expect(target(401).measured).toContain('= 0.75x');
    expect(checkTargets(base).find((t) => t.target.startsWith('L restore in stored form 2'))!.met).toBe('unavailable');
  });

  it('are in the table with both medians and the ratio', () => {
    const table = formatTable({ ...base, restoreForms: forms(300, 400), targets: [] });
    expect(table).toContain('Restore by stored form (L world, 250,000 records, 3 restores each');
    expect(table).toContain('  form 2: 17 messages, median 400.0 ms, 32.5 MB/s');
    expect(table).toContain('  form 2 / form 1: 0.75x');
  });
});

describe('L p50 targets against the base build (--base-daemon)', () => {
  const base = { startedAt: 'now', durationSec: 1, mode: 'full' as const, machine: { node: 'v20', cpus: 2, loadAverage: [0] }, sizes: [], notes: [] };
  const row = (workload: 'whole-save' | 'run-1pct', indexCached: boolean | null, p50Ms: number) => ({
    workload,
    indexCached,
    requestBytes: 1,
    redisBytesWritten: 1,
    cells: [1, 8].map((concurrency) => ({ concurrency, ops: 3, errors: 0, errorSamples: [], p50Ms, p99Ms: p50Ms, cpuMsPerOp: 1, opsPerSec: 1 })),
  });
  const changes = [{ size: 'L' as const, records: 250_000, rows: [row('whole-save', null, 2000), row('run-1pct', true, 150), row('run-1pct', false, 1500)] }];
  const baseWholeSave = { entry: 'base/main.js', size: 'L' as const, rounds: 3, baseMs: [950, 900, 1000], thisMs: [1900, 2000, 2100], baseP50Ms: 950, thisP50Ms: 2000 };
  const targets = (withBase: boolean) => checkTargets({ ...base, changes, ...(withBase ? { baseWholeSave } : {}) });
  const cached = (withBase: boolean) => targets(withBase).find((t) => t.target.includes('index cached: save p50'))!;
  const rebuilt = (withBase: boolean) => targets(withBase).find((t) => t.target.includes('index rebuilt: save p50'))!;

  it("compare with the base build's whole Save when it was measured, else with this build's", () => {
    expect(cached(false)).toMatchObject({ met: true, measured: expect.stringContaining('150.0 vs 2000.0 ms = 0.075x') });
    expect(cached(true)).toMatchObject({ met: false, measured: expect.stringContaining('150.0 vs 950.0 ms = 0.158x') });
    expect(rebuilt(false).met).toBe(true);
    expect(rebuilt(true)).toMatchObject({ met: false, measured: expect.stringContaining('1500.0 vs 950.0 ms = 1.579x') });
  });

  it('are in the table with both builds alternating', () => {
    const table = formatTable({ ...base, changes, baseWholeSave, targets: [] });
    expect(table).toContain('Whole L Save of the base build (base/main.js) and of this build, alternating, 3 each, c=1:');
    expect(table).toContain('  base build: p50 950.0 ms (950, 900, 1000)');
    expect(table).toContain('  this build: p50 2000.0 ms (1900, 2000, 2100)');
  });
});
