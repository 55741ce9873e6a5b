/**
 * Chunk ids packed as raw bytes (DESIGN §5, stored form 2): an index chunk's bytes and an
 * EpochMeta ledger's `added`/`dropped` are the 32-byte SHA-256 digests of the chunks they name,
 * concatenated. Half the size of hex, and nothing to parse but a length. The one codec both the
 * writer (validation) and the store read with.
 */

/** Bytes of one chunk id packed raw. */
export const CHUNK_ID_BYTES = 32;

/** Packs lowercase hex chunk ids into their raw bytes, in order. */
export function packChunkIds(ids: readonly string[]): Uint8Array {
  const out = Buffer.allocUnsafe(ids.length * CHUNK_ID_BYTES);
  ids.forEach((id, i) => {
    if (out.write(id, i * CHUNK_ID_BYTES, CHUNK_ID_BYTES, 'hex') !== CHUNK_ID_BYTES || id.length !== CHUNK_ID_BYTES * 2) {
      throw new RangeError(`chunk id ${JSON.stringify(id)} is not 64 hex digits`);
    }
  });
  return out;
}

/**
 * The lowercase hex ids packed in `bytes`; undefined when its length is not a whole number of ids.
 * Packed bytes are read, never changed: one list is kept per bytes object, so the store's read
 * (which follows an index chunk) and the restore's listing, verification and framing share the
 * ~15,000 ids of an L world — the very strings its chunk map is keyed by — instead of making
 * them twice.
 */
export function unpackChunkIds(bytes: Uint8Array): readonly string[] | undefined {
  if (bytes.length % CHUNK_ID_BYTES !== 0) return undefined;
  const known = unpacked.get(bytes);
  if (known) return known;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ids: string[] = [];
  for (let at = 0; at < buf.length; at += CHUNK_ID_BYTES) ids.push(buf.toString('hex', at, at + CHUNK_ID_BYTES));
  unpacked.set(bytes, ids);
  return ids;
}

const unpacked = new WeakMap<Uint8Array, readonly string[]>();

/** The stored forms an EpochMeta may name; 0 (unset) reads as form 1. */
export type StoredForm = 1 | 2;

/** The stored form of an epoch's meta (`stored_form` unset: 1); any other value is returned as is, for the reader to refuse. */
export function storedFormOf(meta: { storedForm: number }): number {
  return meta.storedForm === 0 ? 1 : meta.storedForm;
}
