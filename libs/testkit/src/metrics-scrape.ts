/**
 * The one reader of a Prometheus text endpoint (the daemon's /metrics) for specs and the bench
 * and chaos harnesses: fetch it over real HTTP, then ask for a value by metric name and labels.
 * (persistctl watch has its own parser: it ships, and shipped code may not import the test kit.)
 */

/** One sample line of the text exposition format. */
export interface MetricSample {
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/y;
const TYPE = /^# TYPE (\S+) (\S+)/;

const SPECIAL_VALUES = new Map([['+inf', Infinity], ['inf', Infinity], ['-inf', -Infinity], ['nan', NaN]]);

const unescape = (v: string) => v.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));

/**
 * A sample value. Infinities and NaN are read without regard to case, as Prometheus reads them:
 * prom-client writes NaN as `Nan` (nodejs_eventloop_lag_mean_seconds before the first sample).
 * Anything else that is not a number is an error.
 */
function sampleValue(text: string, line: string): number {
  const special = SPECIAL_VALUES.get(text.toLowerCase());
  if (special !== undefined) return special;
  const n = Number(text);
  if (Number.isNaN(n)) throw new Error(`not a sample value in: ${line}`);
  return n;
}

function labelsOf(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  let consumed = 0;
  for (let m = LABEL.exec(text); m !== null; m = LABEL.exec(text)) {
    labels[m[1]!] = unescape(m[2]!);
    consumed = LABEL.lastIndex;
  }
  if (text.slice(consumed).trim() !== '') throw new Error(`malformed labels in: ${line}`);
  return labels;
}

const sameLabels = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>) => {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => b[k] === a[k]);
};

/** One scrape: its samples and the metrics it declares, with look-ups by name and labels. */
export class MetricsScrape {
  private constructor(
    readonly samples: readonly MetricSample[],
    /** Every `# TYPE` line: a metric is declared (name -> counter, gauge, histogram...) before it has a sample. */
    readonly types: ReadonlyMap<string, string>,
  ) {}

  /**
   * Parses the text format (0.0.4, what prom-client serves). A line that is neither a comment
   * nor a sample is an error: a page that is not an exposition must not read as "no value".
   */
  static parse(text: string): MetricsScrape {
    const samples: MetricSample[] = [];
    const types = new Map<string, string>();
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (line === '') continue;
      if (line.startsWith('#')) {
        const t = TYPE.exec(line);
        if (t) types.set(t[1]!, t[2]!);
        continue;
      }
      const m = SAMPLE.exec(line);
      if (!m) throw new Error(`not a sample line: ${line}`);
      samples.push({ name: m[1]!, labels: m[2] ? labelsOf(m[2], line) : {}, value: sampleValue(m[3]!, line) });
    }
    return new MetricsScrape(samples, types);
  }

  /**
   * The value of the one series of `name` with exactly `labels` (a histogram's bucket by its
   * `le` too); undefined when there is none. More than one is impossible with exact labels,
   * so it is an error (a duplicated line in the page).
   */
  value(name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
    const found = this.samples.filter((s) => s.name === name && sameLabels(s.labels, labels));
    if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${found.length} series`);
    return found[0]?.value;
  }

  /** Whether any sample of `name` was served. */
  has(name: string): boolean {
    return this.samples.some((s) => s.name === name);
  }
}

/**
 * GET a Prometheus text endpoint (a real HTTP request) and parse it. Anything but 200, a page
 * that is not an exposition, or no answer within `timeoutMs` is an error.
 */
export async function scrapeMetrics(url: string, { timeoutMs = 10_000 }: { timeoutMs?: number } = {}): Promise<MetricsScrape> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
  return MetricsScrape.parse(text);
}
