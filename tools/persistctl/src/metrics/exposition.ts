/** One sample of the Prometheus text exposition format. */
export interface Sample {
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?\s*$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/gy;

function unescape(v: string): string {
  return v.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c));
}

/** Prometheus reads these words whatever their case; prom-client writes NaN as `Nan`. */
function parseValue(text: string): number {
  const word = text.toLowerCase();
  if (word === '+inf' || word === 'inf') return Infinity;
  if (word === '-inf') return -Infinity;
  if (word === 'nan') return NaN;
  const n = Number(text);
  if (Number.isNaN(n)) throw new Error(`not a sample value: ${JSON.stringify(text)}`);
  return n;
}

/**
 * Parses the Prometheus text format (version 0.0.4, what prom-client serves): `#` lines are
 * skipped, every other non-empty line is `name{labels} value [timestamp]`. A line that is not
 * one is an error: a page that is not an exposition should not pass as "no traffic".
 */
export function parseExposition(text: string): Sample[] {
  const out: Sample[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`line ${i + 1} is not a sample: ${JSON.stringify(line.slice(0, 80))}`);
    const labels: Record<string, string> = {};
    if (m[2]) {
      LABEL.lastIndex = 0;
      let lm: RegExpExecArray | null;
      let consumed = 0;
      while ((lm = LABEL.exec(m[2])) !== null) {
        labels[lm[1]] = unescape(lm[2]);
        consumed = LABEL.lastIndex;
      }
      if (m[2].slice(consumed).trim() !== '') throw new Error(`line ${i + 1} has malformed labels: ${JSON.stringify(m[2].slice(0, 80))}`);
    }
    out.push({ name: m[1], labels, value: parseValue(m[3]) });
  }
  return out;
}

/** A stable key of a series: its name and labels in key order. */
export function seriesKey(s: Pick<Sample, 'name' | 'labels'>): string {
  return `${s.name}{${Object.keys(s.labels).sort().map((k) => `${k}=${JSON.stringify(s.labels[k])}`).join(',')}}`;
}
