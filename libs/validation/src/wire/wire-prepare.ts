import { toBinary, type DescMessage } from '@bufbuild/protobuf';
import { WireType } from '@bufbuild/protobuf/wire';
import { canonicalizeInPlace } from '../canonical-record';
import { COMPILED_MODULES } from '../owner-modules';
import type { CanonicalSection } from '../stored-form/canonical';
import type { StoredForm } from '@persistd/contract';
import { CHUNK_MAX_BYTES, DEFAULT_STORED_FORM, greedyRanges, recordChunkRanges } from '../stored-form/boundaries';
import { chunkOf, withIndex, type ChunkedSection } from '../stored-form/chunks';
import { assembleEpoch, type CommitStamp, type PreparedEpoch } from '../stored-form/prepare-epoch';
import { varintSize, writeVarint } from './envelope-walk';
import type { WireRequest, WireSection } from './read-request';

/**
 * The stored form of a request read at wire level — byte-identical to prepareEpoch's for the same
 * bytes decoded typed: canonical records are taken as they came, the others canonicalized and
 * encoded by the typed path; records ordered by sorting the ids, cut by the stored form's rule (boundaries.ts), and
 * digested by the same stored-form code.
 */

/** Indexes of a section's records in canonical (id) order; a stable sort, skipped when already in order. */
function canonicalOrder(ids: readonly string[]): number[] {
  const order = ids.map((_, i) => i);
  for (let i = 1; i < ids.length; i++) {
    // compareIds's order (code units), written inline: this runs n log n times on a large world.
    if (ids[i - 1] > ids[i]) return order.sort((a, b) => (ids[a] < ids[b] ? -1 : ids[a] > ids[b] ? 1 : a - b));
  }
  return order;
}

/** Copies `length` bytes from `from[start..]`: a plain loop for short runs (most records), where a native copy costs more to call than to run. */
function copyBytes(from: Uint8Array, start: number, length: number, to: Buffer, at: number): void {
  if (length > 96) {
    to.set(from.subarray(start, start + length), at);
    return;
  }
  for (let j = 0; j < length; j++) to[at + j] = from[start + j];
}

/**
 * The five sections of a request read at wire level in canonical form, in restore order: the
 * CanonicalSection canonicalSections makes of the same request decoded typed (same ids, same
 * bytes), but a canonical record's bytes are a view of the request, not an encoding. Call it on
 * a request that passed validateWireRequest; typed records are canonicalized in place.
 */
export function wireCanonicalSections(read: WireRequest): CanonicalSection[] {
  return COMPILED_MODULES.map(({ entry, module, recordsField }, k) => {
    const section = read.sections[k];
    if (!section.header) throw new Error(`wire: section ${entry.section} is absent`);
    const order = canonicalOrder(section.ids);
    return {
      system: entry.system,
      recordFieldNo: recordsField.number,
      ids: order.map((i) => section.ids[i]),
      records: order.map((i) => recordBytes(read, section, module.record, i)),
    };
  });
}

function recordBytes(read: WireRequest, section: WireSection, desc: DescMessage, i: number): Uint8Array {
  const start = section.starts[i];
  if (start >= 0) return section.sorted.get(i) ?? read.bytes.subarray(start, section.ends[i]);
  const message = section.views[i];
  canonicalizeInPlace(desc, message);
  return toBinary(desc, message as never);
}

/** Cuts a canonical section into chunks exactly as cutChunks does (same boundaries, bytes, ids), each written into one buffer. */
export function cutCanonical(section: CanonicalSection, maxBytes = CHUNK_MAX_BYTES): ChunkedSection {
  const { records } = section;
  const tag = (section.recordFieldNo << 3) | WireType.LengthDelimited;
  const entrySize = (k: number) => varintSize(tag) + varintSize(records[k].length) + records[k].length;
  const chunks = greedyRanges(records.length, entrySize, maxBytes).map(([from, to, size]) => {
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    for (let k = from; k < to; k++) {
      at = writeVarint(out, at, tag);
      at = writeVarint(out, at, records[k].length);
      copyBytes(records[k], 0, records[k].length, out, at);
      at += records[k].length;
    }
    return chunkOf(out, to - from);
  });
  return { system: section.system, chunks, records: records.length };
}

/**
 * Section k of a wire read cut as cutCanonical cuts wireCanonicalSections' section k, written
 * straight from the request's bytes: a run of canonical records that follow each other in the
 * request, each entry written minimally, is already its chunk bytes and is copied at once (a
 * sorted, canonical section is one copy per chunk); other records get their entry written.
 */
function cutWireSection(read: WireRequest, k: number, form: StoredForm): ChunkedSection {
  const { entry, module, recordsField } = COMPILED_MODULES[k];
  const section = read.sections[k];
  if (!section.header) throw new Error(`wire: section ${entry.section} is absent`);
  const order = canonicalOrder(section.ids);
  const { starts, ends, entries } = section;
  const src = read.bytes;
  const tag = (recordsField.number << 3) | WireType.LengthDelimited;
  const tagSize = varintSize(tag);
  const encoded = new Map<number, Uint8Array>();
  for (let j = 0; j < order.length; j++) if (starts[order[j]] < 0 || section.sorted.has(order[j])) encoded.set(j, recordBytes(read, section, module.record, order[j]));
  const bodyLength = (j: number) => encoded.get(j)?.length ?? ends[order[j]] - starts[order[j]];
  const entrySize = (j: number) => tagSize + varintSize(bodyLength(j)) + bodyLength(j);
  const chunks = recordChunkRanges(form, order.length, entrySize, (j) => section.ids[order[j]]).map(([from, to, size]) => {
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    let j = from;
    while (j < to) {
      const i = order[j];
      if (entries[i] >= 0) {
        // A run of entries adjacent in the request: one copy.
        let end = ends[i];
        let next = j + 1;
        while (next < to && entries[order[next]] === end) end = ends[order[next++]];
        src.copy(out, at, entries[i], end);
        at += end - entries[i];
        j = next;
        continue;
      }
      const body = encoded.get(j);
      const length = bodyLength(j);
      at = writeVarint(out, at, tag);
      at = writeVarint(out, at, length);
      if (body) copyBytes(body, 0, length, out, at);
      else copyBytes(src, starts[i], length, out, at);
      at += length;
      j++;
    }
    return chunkOf(out, to - from);
  });
  const cut = { system: entry.system, chunks, records: order.length };
  return form === 1 ? cut : withIndex(cut);
}

/**
 * Canonicalizes, chunks and digests a request read at wire level that passed validateWireRequest
 * (all five sections present). Typed records are canonicalized in place.
 */
export function prepareWireEpoch(read: WireRequest, stamp: CommitStamp): PreparedEpoch {
  const snapshot = read.snapshot!;
  return assembleEpoch(
    COMPILED_MODULES.map((_, k) => cutWireSection(read, k, stamp.storedForm ?? DEFAULT_STORED_FORM)),
    { schemaVersion: snapshot.schemaVersion, contentVersion: snapshot.world?.contentVersion ?? '' },
    stamp,
  );
}
