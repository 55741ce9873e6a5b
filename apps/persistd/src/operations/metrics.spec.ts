import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { rawServerStreamCall, RestoreRequestSchema, SaveRequestSchema, SaveResponseSchema, type SaveResponse } from '@persistd/contract';
import { FaultProxy, scrapeMetrics, smallWorld, TEST_REDIS_URL } from '@persistd/testkit';
import { refusalOf, saveRequest, startTestDaemon, type TestDaemon } from '../test/test-daemon';

/**
 * /metrics over real HTTP from in-process daemons: every call is counted once, by method,
 * outcome and the §4 reason; each daemon has its own registry.
 */

const daemons: TestDaemon[] = [];
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.stop();
  for (const c of cleanups.splice(0)) await c();
});

async function daemon(env: Record<string, string> = {}) {
  const t = await startTestDaemon(env);
  daemons.push(t);
  return t;
}

const sizeOfSave = (req: Parameters<TestDaemon['client']['save']>[0]) => toBinary(SaveRequestSchema, create(SaveRequestSchema, req)).byteLength;
const sizeOfAnswer = (res: SaveResponse) => toBinary(SaveResponseSchema, res).byteLength;

describe('/metrics', () => {
  it('counts a save, a conflict and a rejection by reason, restores, and the exact bytes in and out', async () => {
    const t = await daemon();
    expect(t.daemon.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const before = await scrapeMetrics(t.daemon.metricsUrl!);
    expect(before.value('persistd_saves_total', { outcome: 'ok', reason: '' })).toBe(0);
    expect(before.value('persistd_epoch_conflicts_total')).toBe(0);

    const ok = saveRequest('m1', smallWorld('m1'), 0n, 'm1-a');
    const saved = await t.client.save(ok);
    const conflict = saveRequest('m1', smallWorld('m1', 0n, 2), 0n, 'm1-b');
    expect((await refusalOf(t.client.save(conflict))).reason).toBe('EPOCH_CONFLICT');
    const partial = { ...saveRequest('m1', smallWorld('m1', 1n), 1n, 'm1-c'), snapshot: { ...smallWorld('m1', 1n), quests: undefined } };
    expect((await refusalOf(t.client.save(partial))).reason).toBe('PARTIAL_SAVE');
    let restoredBytes = 0;
    for await (const m of rawServerStreamCall(t.client.grpc, '/caelmor.persist.v1.PersistenceService/Restore', toBinary(RestoreRequestSchema, create(RestoreRequestSchema, { worldId: 'm1' })))) restoredBytes += m.byteLength;
    expect((await t.client.validate({ worldId: 'bad id' })).accepted).toBe(false);
    expect((await refusalOf(t.client.getWorldStatus({ worldId: 'bad id' }))).reason).toBe('INVALID_FIELD');
    const gone = t.client.restore({ worldId: 'never-saved' });
    await expect((async () => { for await (const _ of gone) void _; })()).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });

    const s = await scrapeMetrics(t.daemon.metricsUrl!);
    expect(s.value('persistd_saves_total', { outcome: 'ok', reason: '' })).toBe(1);
    expect(s.value('persistd_saves_total', { outcome: 'refused', reason: 'EPOCH_CONFLICT' })).toBe(1);
    expect(s.value('persistd_saves_total', { outcome: 'refused', reason: 'PARTIAL_SAVE' })).toBe(1);
    expect(s.value('persistd_epoch_conflicts_total')).toBe(1);
    expect(s.value('persistd_commit_outcome_unknown_total')).toBe(0);
    expect(s.value('persistd_restores_total', { outcome: 'ok', reason: '' })).toBe(1);
    expect(s.value('persistd_restores_total', { outcome: 'refused', reason: 'WORLD_NOT_FOUND' })).toBe(1);
    expect(s.value('persistd_rpcs_total', { method: 'Validate', outcome: 'ok', reason: '' })).toBe(1);
    expect(s.value('persistd_rpcs_total', { method: 'GetWorldStatus', outcome: 'refused', reason: 'INVALID_FIELD' })).toBe(1);
    expect(s.value('persistd_rpcs_total', { method: 'Save', outcome: 'refused', reason: 'EPOCH_CONFLICT' })).toBe(1);
    expect(s.value('persistd_save_duration_seconds_count', { outcome: 'ok' })).toBe(1);
    expect(s.value('persistd_save_duration_seconds_count', { outcome: 'refused' })).toBe(2);
    expect(s.value('persistd_save_duration_seconds_bucket', { outcome: 'ok', le: '+Inf' })).toBe(1);
    expect(s.value('persistd_restore_duration_seconds_count', { outcome: 'ok' })).toBe(1);
    expect(s.value('persistd_request_bytes_total', { method: 'Save' })).toBe(sizeOfSave(ok) + sizeOfSave(conflict) + sizeOfSave(partial));
    expect(s.value('persistd_response_bytes_total', { method: 'Save' })).toBe(sizeOfAnswer(saved));
    expect(s.value('persistd_response_bytes_total', { method: 'Restore' })).toBe(restoredBytes);
    expect(restoredBytes).toBeGreaterThan(sizeOfSave(ok) / 2);
    expect(s.value('persistd_inflight_calls')).toBe(0);
    expect(s.value('persistd_save_work', { state: 'waiting' })).toBe(0);
    expect(s.value('persistd_save_work', { state: 'running' })).toBe(0);
    expect(s.value('persistd_redis_up')).toBe(1);
    expect(s.value('persistd_auth_refusals_total', { reason: 'UNAUTHENTICATED' })).toBe(0);
    expect(s.value('persistd_tls_handshake_failures_total')).toBe(0);
    expect(s.value('persistd_event_loop_delay_p99_seconds')).toBeGreaterThanOrEqual(0);
    expect(s.value('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(s.has('nodejs_eventloop_lag_p99_seconds')).toBe(true);
  });

  it('counts an unknown commit outcome as failed, and its retry as ok', async () => {
    const target = new URL(TEST_REDIS_URL);
    const proxy = new FaultProxy({ host: target.hostname, port: Number(target.port) });
    await proxy.listen();
    cleanups.push(() => proxy.close());
    const t = await daemon({ PERSISTD_REDIS_URL: proxy.url });
    await t.client.save(saveRequest('mu', smallWorld('mu'), 0n, 'mu-1'));
    // ioredis writes command names in lower case.
    proxy.cutOn({ direction: 'up', pattern: '$4\r\nexec\r\n', when: 'after' });
    const req = saveRequest('mu', smallWorld('mu', 1n, 2), 1n, 'mu-2');
    expect((await refusalOf(t.client.save(req))).reason).toBe('COMMIT_OUTCOME_UNKNOWN');
    expect((await t.client.save(req)).committedEpoch).toBe(2n);

    const s = await scrapeMetrics(t.daemon.metricsUrl!);
    expect(s.value('persistd_saves_total', { outcome: 'failed', reason: 'COMMIT_OUTCOME_UNKNOWN' })).toBe(1);
    expect(s.value('persistd_commit_outcome_unknown_total')).toBe(1);
    expect(s.value('persistd_saves_total', { outcome: 'ok', reason: '' })).toBe(2);
    expect(s.value('persistd_save_duration_seconds_count', { outcome: 'failed' })).toBe(1);
  });

  it("counts authority's refusals in the daemon that made them only (a registry per daemon)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'persistd-metrics-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'tokens'), 'gs1:metrics-token-1\n');
    const guarded = await daemon({ PERSISTD_TOKENS_FILE: join(dir, 'tokens'), PERSISTD_ALLOWED_PRINCIPALS: 'gs1=w-*' });
    const open = await daemon();
    const bearer = (token: string) => {
      const md = new grpc.Metadata();
      md.set('authorization', `Bearer ${token}`);
      return md;
    };
    expect((await refusalOf(guarded.client.save(saveRequest('w-1', smallWorld('w-1'))))).reason).toBe('UNAUTHENTICATED');
    expect((await refusalOf(guarded.client.getWorldStatus({ worldId: 'w-1' }, {}, bearer('not-the-token')))).reason).toBe('UNAUTHENTICATED');
    expect((await refusalOf(guarded.client.save(saveRequest('x-1', smallWorld('x-1')), {}, bearer('metrics-token-1')))).reason).toBe('CLIENT_AUTHORED');
    expect((await guarded.client.save(saveRequest('w-1', smallWorld('w-1')), {}, bearer('metrics-token-1'))).committedEpoch).toBe(1n);

    const g = await scrapeMetrics(guarded.daemon.metricsUrl!);
    expect(g.value('persistd_auth_refusals_total', { reason: 'UNAUTHENTICATED' })).toBe(2);
    expect(g.value('persistd_auth_refusals_total', { reason: 'CLIENT_AUTHORED' })).toBe(1);
    expect(g.value('persistd_saves_total', { outcome: 'refused', reason: 'UNAUTHENTICATED' })).toBe(1);
    expect(g.value('persistd_saves_total', { outcome: 'refused', reason: 'CLIENT_AUTHORED' })).toBe(1);
    expect(g.value('persistd_saves_total', { outcome: 'ok', reason: '' })).toBe(1);
    expect(g.value('persistd_rpcs_total', { method: 'GetWorldStatus', outcome: 'refused', reason: 'UNAUTHENTICATED' })).toBe(1);

    const o = await scrapeMetrics(open.daemon.metricsUrl!);
    expect(o.value('persistd_auth_refusals_total', { reason: 'UNAUTHENTICATED' })).toBe(0);
    expect(o.value('persistd_saves_total', { outcome: 'ok', reason: '' })).toBe(0);
  });

  it('exports every metric the Grafana dashboard and `persistctl watch` read', async () => {
    const t = await daemon();
    // Declared metrics (`# TYPE`), whether or not a series has a sample yet.
    const exported = (await scrapeMetrics(t.daemon.metricsUrl!)).types;
    const root = join(__dirname, '../../../..');
    const used = new Set<string>();
    for (const file of ['tools/load/grafana/persistd-dashboard.json', 'tools/persistctl/src/metrics/metric-names.ts']) {
      for (const m of readFileSync(join(root, file), 'utf8').matchAll(/persistd_[a-z0-9_]+/g)) used.add(m[0].replace(/_bucket$/, ''));
    }
    expect(used.size).toBeGreaterThanOrEqual(10);
    expect([...used].filter((name) => !exported.has(name))).toEqual([]);
  });

  it('refuses to start when its metrics address cannot be bound, saying which setting', async () => {
    const t = await daemon();
    const taken = new URL(t.daemon.metricsUrl!).host;
    await expect(startTestDaemon({ PERSISTD_METRICS_LISTEN: taken })).rejects.toThrow(new RegExp(`^PERSISTD_METRICS_LISTEN ${taken} cannot be bound \\(EADDRINUSE\\)`));
    await expect(startTestDaemon({ PERSISTD_METRICS_LISTEN: 'localhost' })).rejects.toThrow(/PERSISTD_METRICS_LISTEN must match/);
  });

  it('serves GET /metrics only, and nothing at all when off', async () => {
    const t = await daemon();
    const base = t.daemon.metricsUrl!.replace(/\/metrics$/, '');
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
    const res = await fetch(t.daemon.metricsUrl!);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const off = await daemon({ PERSISTD_METRICS_LISTEN: 'off' });
    expect(off.daemon.metricsUrl).toBeUndefined();
    // Calls are still counted (for whoever reads the registry), only not served.
    await off.client.getWorldStatus({ worldId: 'w' });
    expect(await off.daemon.metrics.registry.getSingleMetricAsString('persistd_rpcs_total')).toContain('method="GetWorldStatus",outcome="ok",reason=""} 1');
  });
});
