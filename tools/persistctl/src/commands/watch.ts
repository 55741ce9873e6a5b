import { positiveNumberOpt, stringOpt, type CommandSpec } from '../args';
import { CliError, UsageError } from '../cli-error';
import { EXIT } from '../exit-codes';
import type { CliIo } from '../io';
import { parseExposition } from '../metrics/exposition';
import { METRICS } from '../metrics/metric-names';
import { formatSummary, summarize, type Scrape } from '../metrics/rates';
import { JSON_OPTION } from '../output';

/** Fetches and parses one exposition; any failure is an Error with the reason. */
async function scrape(url: string, io: CliIo): Promise<Scrape> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`${url} answered HTTP ${res.status}`);
  const text = await res.text();
  return { at: io.now(), samples: parseExposition(text) };
}

/** `persistctl watch`: live save/restore rates from the daemon's Prometheus endpoint. */
export const watchCommand: CommandSpec = {
  name: 'watch',
  summary: "print live save/restore rates, latencies and errors from the daemon's /metrics",
  positionals: [],
  description: [
    "Scrapes the daemon's Prometheus endpoint (PERSISTD_METRICS_LISTEN) every --interval seconds",
    'and prints, per interval: saves and restores per second by outcome with their p95 latency,',
    'epoch conflicts and unknown commit outcomes per second, bytes in and out, calls in flight,',
    'whether Redis is up, and the §4 codes seen. Runs until interrupted, or --count lines.',
    `Reads ${Object.values(METRICS).join(', ')}.`,
  ].join('\n'),
  options: [
    { name: 'metrics-url', type: 'string', value: 'URL', doc: "the daemon's metrics endpoint", env: 'PERSISTD_METRICS_URL', default: 'http://127.0.0.1:9464/metrics' },
    { name: 'interval', type: 'string', value: 'SECONDS', doc: 'time between two lines', default: '2' },
    { name: 'count', type: 'string', value: 'N', doc: 'stop after N lines (default: run until interrupted)' },
    JSON_OPTION,
  ],
  async run({ args, io }) {
    const url = stringOpt(args, 'metrics-url')!;
    try {
      new URL(url);
    } catch {
      throw new UsageError(`--metrics-url is not a URL: ${JSON.stringify(url)}`);
    }
    const intervalMs = Math.round((positiveNumberOpt(args, 'interval') ?? 2) * 1000);
    const count = positiveNumberOpt(args, 'count');
    if (count !== undefined && !Number.isInteger(count)) throw new UsageError('--count must be a whole number');

    let prev: Scrape;
    try {
      prev = await scrape(url, io);
    } catch (e) {
      throw new CliError(EXIT.USAGE, `cannot read metrics from ${url}: ${(e as Error).message}`);
    }
    if (!prev.samples.some((s) => s.name.startsWith('persistd_'))) io.stderr(`warning: ${url} exports no persistd_* metric; is it persistd's metrics endpoint?\n`);
    for (let line = 0; count === undefined || line < count; line++) {
      await io.sleep(intervalMs);
      let cur: Scrape;
      try {
        cur = await scrape(url, io);
      } catch (e) {
        io.stderr(`scrape failed: ${(e as Error).message}\n`);
        continue;
      }
      const summary = summarize(prev, cur);
      if (args.values.json) io.stdout(`${JSON.stringify(summary)}\n`);
      else io.stdout(`${formatSummary(summary)}\n`);
      prev = cur;
    }
    return EXIT.OK;
  },
};
