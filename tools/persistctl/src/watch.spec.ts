import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '@persistd/testkit';
import { runCliCaptured } from './test/run-cli';

/**
 * A real HTTP server serving a fake exposition of the daemon's metrics: every scrape, the
 * counters grow by fixed amounts, so with a clock that advances 1 s per scrape the rates are known.
 */
let server: Server;
let url: string;
let scrapes = 0;

function exposition(n: number): string {
  const bucket = (le: string, count: number) => `persistd_save_duration_seconds_bucket{le="${le}"} ${count}`;
  return [
    '# HELP persistd_saves_total Save calls by outcome and reason.',
    '# TYPE persistd_saves_total counter',
    `persistd_saves_total{outcome="ok",reason=""} ${10 * n}`,
    `persistd_saves_total{outcome="refused",reason="EPOCH_CONFLICT"} ${n}`,
    `persistd_saves_total{outcome="refused",reason="DANGLING_REFERENCE"} ${n >= 2 ? 3 : 0}`,
    `persistd_restores_total{outcome="ok",reason=""} ${2 * n}`,
    '# TYPE persistd_save_duration_seconds histogram',
    // per scrape: 10 saves under 5 ms, 1 between 5 and 10 ms: p95 = rank 10.45 of 11, 5 + 5 × 0.45 = 7.25 ms
    bucket('0.005', 10 * n),
    bucket('0.01', 11 * n),
    bucket('+Inf', 11 * n),
    `persistd_save_duration_seconds_sum ${0.04 * n}`,
    `persistd_save_duration_seconds_count ${11 * n}`,
    `persistd_request_bytes_total ${3_000_000 * n}`,
    `persistd_response_bytes_total ${1_000_000 * n}`,
    `persistd_epoch_conflicts_total ${n}`,
    `persistd_commit_outcome_unknown_total 0`,
    `persistd_redis_up ${n >= 3 ? 0 : 1}`,
    `persistd_inflight_calls 2`,
    '',
  ].join('\n');
}

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(exposition(++scrapes));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
});

afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

beforeEach(() => {
  scrapes = 0;
});

/** A clock that moves one second per reading, and a sleep that does not wait. */
function steppingClock() {
  let t = Date.UTC(2026, 0, 1, 12, 0, 0);
  return { now: () => (t += 1000), sleep: async () => undefined };
}

describe('persistctl watch', () => {
  it('prints per-second rates by outcome, p95 latency, bytes, conflicts, in-flight calls and Redis state', async () => {
    const run = await runCliCaptured(['watch', '--metrics-url', url, '--count', '2'], steppingClock());
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(
      '12:00:02 saves 14.00/s (ok 10.00, refused 4.00) p95 7ms | restores 2.00/s (ok 2.00) p95 - | conflicts 1.00/s unknown 0.00/s | in 3.00 MB/s out 1.00 MB/s | inflight 2 | redis up | codes: DANGLING_REFERENCE 3.00/s, EPOCH_CONFLICT 1.00/s',
    );
    expect(lines[1]).toContain('saves 11.00/s (ok 10.00, refused 1.00)');
    expect(lines[1]).toContain('redis DOWN');
    expect(scrapes).toBe(3);
  });

  it('prints one JSON object a line with --json', async () => {
    const run = await runCliCaptured(['watch', '--metrics-url', url, '--count', '1', '--json'], steppingClock());
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ seconds: 1, saves: { total: 14, byOutcome: { ok: 10, refused: 4 } }, epochConflicts: 1, requestBytes: 3_000_000, inflight: 2, redisUp: true });
  });

  it('reads the URL from PERSISTD_METRICS_URL', async () => {
    const run = await runCliCaptured(['watch', '--count', '1'], { ...steppingClock(), env: { PERSISTD_METRICS_URL: url } });
    expect(run.code).toBe(0);
    expect(scrapes).toBe(2);
  });

  it('exits 2 when the metrics endpoint cannot be read', async () => {
    const down = await runCliCaptured(['watch', '--metrics-url', `http://127.0.0.1:${await freePort()}/metrics`, '--count', '1'], steppingClock());
    expect(down.code).toBe(2);
    expect(down.stderr).toContain('cannot read metrics from');
    const notFound = await runCliCaptured(['watch', '--metrics-url', url.replace('/metrics', '/nope'), '--count', '1'], steppingClock());
    expect(notFound.code).toBe(2);
    expect(notFound.stderr).toContain('HTTP 404');
    expect((await runCliCaptured(['watch', '--metrics-url', 'not a url'])).code).toBe(2);
  });
});
