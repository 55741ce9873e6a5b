import type { StoredEpoch } from '@persistd/store-redis';
import { listRecordChunks } from '@persistd/validation';

/** An epoch's record chunks per section, in the sections' order: what its index is built from. */
export type SectionChunks = { id: string; bytes: Uint8Array }[][];

/** A read epoch's record chunks, or undefined when its index chunks do not list them (damage: the full path says which). */
export function recordChunksOf(stored: StoredEpoch): SectionChunks | undefined {
  const listed = listRecordChunks(stored.meta, stored.chunks);
  if (!Array.isArray(listed)) return undefined;
  return listed.map((ids) => ids.map((id) => ({ id, bytes: stored.chunks.get(id)! })));
}

/**
 * The chunks copied into one buffer, as views of it: a reply buffer is a view of a larger one,
 * which the thread hand-over would clone whole, and one copy of an L world's 13 MB costs a few
 * milliseconds where 15,000 separate ones cost some 25 — on the event loop, at the end of a restore.
 */
export function copiedTogether(sections: SectionChunks): { sections: SectionChunks; buffer: ArrayBuffer } {
  let total = 0;
  for (const chunks of sections) for (const { bytes } of chunks) total += bytes.byteLength;
  const all = new Uint8Array(total);
  let at = 0;
  const copied = sections.map((chunks) =>
    chunks.map(({ id, bytes }) => {
      all.set(bytes, at);
      at += bytes.byteLength;
      return { id, bytes: all.subarray(at - bytes.byteLength, at) };
    }),
  );
  return { sections: copied, buffer: all.buffer };
}
