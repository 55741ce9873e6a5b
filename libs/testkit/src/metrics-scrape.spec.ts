import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { MetricsScrape, scrapeMetrics } from './metrics-scrape';

/**
 * The reader against a real prom-client registry served over HTTP on loopback, the way the
 * daemon serves its own: what prom-client writes is what the reader must read back.
 */

let server: Server;
let base: string;
let page: () => Promise<{ status: number; body: string }>;

beforeAll(async () => {
  server = createServer((_req, res) => {
    void page().then(({ status, body }) => res.writeHead(status, { 'content-type': 'text/plain; version=0.0.4' }).end(body));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((ok) => server.close(() => ok()));
});

function served(registry: Registry): void {
  page = async () => ({ status: 200, body: await registry.metrics() });
}

describe('scrapeMetrics', () => {
  it('reads counters, gauges and histogram series by name and exact labels, escaped label values included', async () => {
    const registry = new Registry();
    const calls = new Counter({ name: 't_calls_total', help: 'calls', labelNames: ['method', 'reason'], registers: [registry] });
    const up = new Gauge({ name: 't_up', help: 'up', registers: [registry] });
    const took = new Histogram({ name: 't_seconds', help: 'took', labelNames: ['outcome'], buckets: [0.1, 1], registers: [registry] });
    new Counter({ name: 't_never_total', help: 'declared, never counted', labelNames: ['x'], registers: [registry] });
    calls.inc({ method: 'Save', reason: '' }, 3);
    calls.inc({ method: 'Save', reason: 'EPOCH_CONFLICT' });
    calls.inc({ method: 'odd "quoted" \\ and\nnewline', reason: '' }, 7);
    up.set(0.25);
    new Gauge({ name: 't_unknown', help: 'NaN, which prom-client writes as Nan', registers: [registry] }).set(NaN);
    took.observe({ outcome: 'ok' }, 0.05);
    took.observe({ outcome: 'ok' }, 0.5);
    took.observe({ outcome: 'ok' }, 5);
    served(registry);

    const s = await scrapeMetrics(`${base}/metrics`);
    expect(s.value('t_calls_total', { method: 'Save', reason: '' })).toBe(3);
    expect(s.value('t_calls_total', { reason: '', method: 'Save' })).toBe(3);
    expect(s.value('t_calls_total', { method: 'Save', reason: 'EPOCH_CONFLICT' })).toBe(1);
    expect(s.value('t_calls_total', { method: 'odd "quoted" \\ and\nnewline', reason: '' })).toBe(7);
    // Exact labels: a subset names no series.
    expect(s.value('t_calls_total', { method: 'Save' })).toBeUndefined();
    expect(s.value('t_up')).toBe(0.25);
    expect(s.value('t_unknown')).toBeNaN();
    expect(s.value('t_seconds_bucket', { outcome: 'ok', le: '0.1' })).toBe(1);
    expect(s.value('t_seconds_bucket', { outcome: 'ok', le: '1' })).toBe(2);
    expect(s.value('t_seconds_bucket', { outcome: 'ok', le: '+Inf' })).toBe(3);
    expect(s.value('t_seconds_count', { outcome: 'ok' })).toBe(3);
    expect(s.value('t_seconds_sum', { outcome: 'ok' })).toBeCloseTo(5.55, 10);
    expect(s.types.get('t_seconds')).toBe('histogram');
    expect(s.types.get('t_never_total')).toBe('counter');
    expect(s.has('t_never_total')).toBe(false);
    expect(s.has('t_up')).toBe(true);
    expect(s.value('t_absent')).toBeUndefined();
  });

  it('reads a value again after it changed (each call is a new request)', async () => {
    const registry = new Registry();
    const up = new Gauge({ name: 't_up', help: 'up', registers: [registry] });
    served(registry);
    up.set(1);
    expect((await scrapeMetrics(`${base}/metrics`)).value('t_up')).toBe(1);
    up.set(0);
    expect((await scrapeMetrics(`${base}/metrics`)).value('t_up')).toBe(0);
  });

  it('fails on an answer other than 200 and on a page that is not an exposition', async () => {
    page = async () => ({ status: 404, body: 'nothing here\n' });
    await expect(scrapeMetrics(`${base}/nope`)).rejects.toThrow(/: 404$/);
    page = async () => ({ status: 200, body: '<html>a login page</html>\n' });
    await expect(scrapeMetrics(`${base}/metrics`)).rejects.toThrow(/not a sample line/);
  });

  it('fails when the endpoint does not answer in time', async () => {
    // Never answers; unref'd so the pending timer does not hold jest open.
    page = () => new Promise((ok) => setTimeout(() => ok({ status: 200, body: 't_up 1\n' }), 60_000).unref());
    await expect(scrapeMetrics(`${base}/metrics`, { timeoutMs: 100 })).rejects.toThrow(/abort|timeout/i);
  });
});

describe('MetricsScrape.parse', () => {
  it('reads infinities, NaN and timestamps, and refuses duplicated series and malformed labels', () => {
    const s = MetricsScrape.parse('a +Inf\nb{x="1"} -Inf 1700000000000\nc NaN\n');
    expect(s.value('a')).toBe(Infinity);
    expect(s.value('b', { x: '1' })).toBe(-Infinity);
    expect(s.value('c')).toBeNaN();
    expect(() => MetricsScrape.parse('a 1\na 2\n').value('a')).toThrow(/matches 2 series/);
    expect(() => MetricsScrape.parse('a{x=1} 1\n')).toThrow(/malformed labels/);
    expect(() => MetricsScrape.parse('a one\n')).toThrow(/not a sample value/);
  });
});
