import { createHash } from 'node:crypto';
import { WireType } from '@bufbuild/protobuf/wire';
import { contentDefinedRanges, greedyRanges, INDEX_CHUNK_RULE, RECORD_CHUNK_RULE, type ChunkRange, type CanonicalSection, type CutRule } from '@persistd/validation';
import { prng } from '@persistd/testkit';

/**
 * How stored form 2's chunker parameters were chosen (docs/stored-form.md): the canonical
 * sections of one world cut under candidate rules, and for each the bytes a save would write
 * (record and index chunks its base does not have, over all chunk bytes) after four changes —
 * 1% of records changed at random, 1% changed in one run of ids, one record inserted at the
 * start, one deleted — with the chunk count and size spread. In process: boundaries depend on
 * the records alone, so the store would write exactly these chunks.
 */

/** One candidate: record chunk rule and index chunk rule (undefined rules: stored form 1). */
export interface Candidate {
  name: string;
  record?: CutRule;
  index?: CutRule;
}

/** What one candidate costs. */
export interface SweepRow {
  name: string;
  chunks: number;
  indexChunks: number;
  medianBytes: number;
  p99Bytes: number;
  maxBytes: number;
  /** Fractions of all chunk bytes written anew. */
  randomOnePercent: number;
  runOnePercent: number;
  insertAtStart: number;
  deleteOne: number;
}

const varintSize = (n: number) => (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5);
const sha = (parts: readonly Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

interface Cut {
  /** id (hex) → bytes, record and index chunks. */
  chunks: Map<string, number>;
  recordSizes: number[];
  index: number;
}

function cut(sections: readonly CanonicalSection[], c: Candidate): Cut {
  const chunks = new Map<string, number>();
  const recordSizes: number[] = [];
  let index = 0;
  for (const s of sections) {
    const tagSize = varintSize((s.recordFieldNo << 3) | WireType.LengthDelimited);
    const size = (k: number) => tagSize + varintSize(s.records[k].length) + s.records[k].length;
    const ranges: ChunkRange[] = c.record ? contentDefinedRanges(s.records.length, size, (k) => s.ids[k], c.record) : greedyRanges(s.records.length, size);
    const ids: Buffer[] = [];
    for (const [from, to, bytes] of ranges) {
      const id = sha(s.records.slice(from, to));
      ids.push(id);
      chunks.set(id.toString('hex'), bytes);
      recordSizes.push(bytes);
    }
    if (!c.index) continue;
    const hex = ids.map((b) => b.toString('hex'));
    for (const [from, to] of contentDefinedRanges(ids.length, () => 32, (k) => hex[k], c.index)) {
      chunks.set(sha(ids.slice(from, to)).toString('hex'), (to - from) * 32);
      index++;
    }
  }
  return { chunks, recordSizes, index };
}

function written(before: Cut, after: Cut): number {
  let fresh = 0;
  let all = 0;
  for (const [id, bytes] of after.chunks) {
    all += bytes;
    if (!before.chunks.has(id)) fresh += bytes;
  }
  return fresh / all;
}

/** A record's bytes changed (one byte more), its id kept. */
const changed = (record: Uint8Array) => Buffer.concat([record, Buffer.from([0x08])]);

function mapRecords(sections: readonly CanonicalSection[], pick: (system: number, k: number) => boolean): CanonicalSection[] {
  return sections.map((s) => ({ ...s, records: s.records.map((r, k) => (pick(s.system, k) ? changed(r) : r)) }));
}

/** The four changes of the sweep, each from the same base sections. */
export function changesOf(sections: readonly CanonicalSection[], seed = 42): Record<'random' | 'run' | 'insert' | 'delete', CanonicalSection[]> {
  const total = sections.reduce((n, s) => n + s.records.length, 0);
  const rnd = prng(seed);
  const picked = new Set<string>();
  while (picked.size < Math.round(total / 100)) {
    let g = Math.floor(rnd() * total);
    for (const s of sections) {
      if (g < s.records.length) {
        picked.add(`${s.system}:${g}`);
        break;
      }
      g -= s.records.length;
    }
  }
  const largest = sections.reduce((a, s) => (s.records.length > a.records.length ? s : a));
  const runFrom = Math.floor(largest.records.length / 3);
  const runTo = runFrom + Math.round(total / 100);
  const middle = Math.floor(largest.records.length / 2);
  return {
    random: mapRecords(sections, (system, k) => picked.has(`${system}:${k}`)),
    run: mapRecords(sections, (system, k) => system === largest.system && k >= runFrom && k < runTo),
    // An id that sorts before every other (a prefix of the first), with a copy of the first record.
    insert: sections.map((s) => (s !== largest ? s : { ...s, ids: [s.ids[0].slice(0, 1), ...s.ids], records: [s.records[0], ...s.records] })),
    delete: sections.map((s) => (s !== largest ? s : { ...s, ids: s.ids.filter((_, k) => k !== middle), records: s.records.filter((_, k) => k !== middle) })),
  };
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

/** Cuts the base and each change under every candidate. */
export function sweep(sections: readonly CanonicalSection[], candidates: readonly Candidate[]): SweepRow[] {
  const changes = changesOf(sections);
  return candidates.map((c) => {
    const base = cut(sections, c);
    const sizes = [...base.recordSizes].sort((a, b) => a - b);
    return {
      name: c.name,
      chunks: base.recordSizes.length,
      indexChunks: base.index,
      medianBytes: quantile(sizes, 0.5),
      p99Bytes: quantile(sizes, 0.99),
      maxBytes: sizes.at(-1)!,
      randomOnePercent: written(base, cut(changes.random, c)),
      runOnePercent: written(base, cut(changes.run, c)),
      insertAtStart: written(base, cut(changes.insert, c)),
      deleteOne: written(base, cut(changes.delete, c)),
    };
  });
}

/** The candidates the doc reports: form 1, and form 2 around the chosen rule. */
export function candidates(): Candidate[] {
  const out: Candidate[] = [{ name: 'form 1 (greedy to 1 MiB)' }];
  for (const [minBytes, rateLog2] of [
    [128, 16],
    [128, 17],
    [256, 17],
    [256, 18],
    [512, 19],
    [512, 20],
    [1024, 21],
    [1024, 22],
    [2048, 24],
  ] as const) {
    out.push({ name: `form 2, min ${minBytes} B, rate 2^-${rateLog2}`, record: { minBytes, maxBytes: RECORD_CHUNK_RULE.maxBytes, rateLog2 }, index: INDEX_CHUNK_RULE });
  }
  out.push({ name: 'form 2 as chosen (RECORD_CHUNK_RULE)', record: RECORD_CHUNK_RULE, index: INDEX_CHUNK_RULE });
  return out;
}
