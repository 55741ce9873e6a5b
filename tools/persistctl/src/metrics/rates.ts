import { seriesKey, type Sample } from './exposition';
import { METRICS } from './metric-names';

/** One scrape of the daemon's /metrics. */
export interface Scrape {
  /** Milliseconds since the epoch, when it was taken. */
  at: number;
  samples: Sample[];
}

/** What changed between two scrapes, per second. */
export interface WatchSummary {
  at: number;
  seconds: number;
  saves: RateGroup;
  restores: RateGroup;
  /** Saves and restores that ended with a §4 code, per code. */
  reasons: Record<string, number>;
  epochConflicts: number;
  commitOutcomeUnknown: number;
  requestBytes: number;
  responseBytes: number;
  /** Seconds; undefined when no call ended in the window. */
  saveP95: number | undefined;
  restoreP95: number | undefined;
  inflight: number | undefined;
  /** undefined when the daemon does not export it. */
  redisUp: boolean | undefined;
}

/** A counter's rate, in all and per outcome label. */
export interface RateGroup {
  total: number;
  byOutcome: Record<string, number>;
}

/**
 * Increase of one series between scrapes. A series that went down was reset (the daemon
 * restarted): all of its current value is new. A series first seen now counts in full.
 */
function increase(prev: Map<string, number>, s: Sample): number {
  const before = prev.get(seriesKey(s));
  if (before === undefined || s.value < before) return s.value;
  return s.value - before;
}

function indexOf(samples: Sample[]): Map<string, number> {
  return new Map(samples.map((s) => [seriesKey(s), s.value]));
}

/**
 * Quantile `q` of the calls that ended between two scrapes, from a histogram's `_bucket`
 * increases summed over all other labels — linear within the bucket, as PromQL's
 * histogram_quantile does.
 */
export function windowQuantile(prev: Map<string, number>, cur: Sample[], histogram: string, q: number): number | undefined {
  const byLe = new Map<number, number>();
  for (const s of cur) {
    if (s.name !== `${histogram}_bucket` || s.labels.le === undefined) continue;
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    byLe.set(le, (byLe.get(le) ?? 0) + increase(prev, s));
  }
  const buckets = [...byLe.entries()].sort((a, b) => a[0] - b[0]);
  const total = buckets.at(-1)?.[1] ?? 0;
  if (buckets.length === 0 || total <= 0) return undefined;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [le, count] of buckets) {
    if (count >= rank) {
      if (le === Infinity) return lowerBound; // beyond the last finite bucket: its bound is all we know
      return lowerBound + (le - lowerBound) * ((rank - lowerCount) / Math.max(count - lowerCount, 1e-12));
    }
    lowerBound = le;
    lowerCount = count;
  }
  return lowerBound;
}

/** Rates between two scrapes of the metrics in METRICS. */
export function summarize(prevScrape: Scrape, cur: Scrape): WatchSummary {
  const seconds = Math.max((cur.at - prevScrape.at) / 1000, 1e-3);
  const prev = indexOf(prevScrape.samples);
  const sumOf = (name: string) => cur.samples.filter((s) => s.name === name).reduce((n, s) => n + increase(prev, s), 0) / seconds;
  const gauge = (name: string) => {
    const xs = cur.samples.filter((s) => s.name === name);
    return xs.length === 0 ? undefined : xs;
  };
  const reasons: Record<string, number> = {};
  const group = (name: string): RateGroup => {
    const g: RateGroup = { total: 0, byOutcome: {} };
    for (const s of cur.samples.filter((x) => x.name === name)) {
      const rate = increase(prev, s) / seconds;
      g.total += rate;
      const outcome = s.labels.outcome ?? '';
      g.byOutcome[outcome] = (g.byOutcome[outcome] ?? 0) + rate;
      if (s.labels.reason) reasons[s.labels.reason] = (reasons[s.labels.reason] ?? 0) + rate;
    }
    return g;
  };
  const saves = group(METRICS.saves);
  const restores = group(METRICS.restores);
  const inflight = gauge(METRICS.inflightCalls);
  const redis = gauge(METRICS.redisUp);
  return {
    at: cur.at,
    seconds,
    saves,
    restores,
    reasons,
    epochConflicts: sumOf(METRICS.epochConflicts),
    commitOutcomeUnknown: sumOf(METRICS.commitOutcomeUnknown),
    requestBytes: sumOf(METRICS.requestBytes),
    responseBytes: sumOf(METRICS.responseBytes),
    saveP95: windowQuantile(prev, cur.samples, METRICS.saveDuration, 0.95),
    restoreP95: windowQuantile(prev, cur.samples, METRICS.restoreDuration, 0.95),
    inflight: inflight?.reduce((n, s) => n + s.value, 0),
    redisUp: redis === undefined ? undefined : redis.every((s) => s.value >= 1),
  };
}

const rate = (n: number) => `${n.toFixed(2)}/s`;
const ms = (s: number | undefined) => (s === undefined ? '-' : `${Math.round(s * 1000)}ms`);
const mbps = (n: number) => `${(n / 1e6).toFixed(2)} MB/s`;
const outcomes = (g: RateGroup) => {
  const parts = Object.entries(g.byOutcome)
    .filter(([, v]) => v > 0)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k || 'unlabelled'} ${v.toFixed(2)}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
};

/** One line for people: `HH:MM:SS saves … | restores … | …` (UTC). */
export function formatSummary(s: WatchSummary): string {
  const time = new Date(s.at).toISOString().slice(11, 19);
  const reasons = Object.entries(s.reasons)
    .filter(([, v]) => v > 0)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k} ${rate(v)}`);
  return [
    `${time} saves ${rate(s.saves.total)}${outcomes(s.saves)} p95 ${ms(s.saveP95)}`,
    `restores ${rate(s.restores.total)}${outcomes(s.restores)} p95 ${ms(s.restoreP95)}`,
    `conflicts ${rate(s.epochConflicts)} unknown ${rate(s.commitOutcomeUnknown)}`,
    `in ${mbps(s.requestBytes)} out ${mbps(s.responseBytes)}`,
    `inflight ${s.inflight ?? '-'}`,
    `redis ${s.redisUp === undefined ? '-' : s.redisUp ? 'up' : 'DOWN'}`,
    ...(reasons.length > 0 ? [`codes: ${reasons.join(', ')}`] : []),
  ].join(' | ');
}
