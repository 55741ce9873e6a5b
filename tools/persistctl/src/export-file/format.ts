/**
 * The persistctl export file, version 1: one retained epoch exactly as stored, so the file
 * carries its own digests and an import can prove it intact before anything is sent.
 *
 * All integers are unsigned big-endian.
 *
 *   file   := MAGIC (8 bytes, ASCII "PDEXPORT") VERSION (u32 = 1) frame*
 *   frame  := kind (u8) length (u32) payload (length bytes)
 *
 *   kind 1 HEADER  UTF-8 JSON: world_id, epoch, content_digest, chunks, chunk_bytes,
 *                  exported_at (ISO 8601), key_prefix. Informational: an import never trusts it.
 *   kind 2 META    the EpochMeta bytes exactly as stored in Redis. Its `digest` (SHA-256 of the
 *                  canonical meta with `digest` empty) binds world, epoch, versions, counts and
 *                  the ordered chunk ids of the five sections; its `content_digest` binds the
 *                  content version and the chunk ids.
 *   kind 3 CHUNK   the chunk id as 32 raw bytes (its SHA-256), then the chunk bytes as stored.
 *   kind 4 END     u32: the number of CHUNK frames. A file without it is truncated.
 *
 * Frames come in this order: HEADER, META, one CHUNK per distinct chunk id in manifest order,
 * END. An import checks, before sending anything: every chunk hashes to its id
 * (DIGEST_MISMATCH), no chunk is there that the meta does not list (DIGEST_MISMATCH), every
 * listed chunk is there and the file is whole (MISSING_COMPONENT), the versions, the content
 * digest and the meta digest (DESIGN §4 restore checks, `verifyStoredEpoch` in digest mode).
 */
export const EXPORT_MAGIC = Buffer.from('PDEXPORT', 'ascii');
export const EXPORT_VERSION = 1;

/** Frame kinds. */
export const FRAME = { HEADER: 1, META: 2, CHUNK: 3, END: 4 } as const;
export type FrameKind = (typeof FRAME)[keyof typeof FRAME];

/** Bytes before the first frame: magic and version. */
export const PREAMBLE_BYTES = EXPORT_MAGIC.length + 4;
/** Bytes of a frame's kind and length. */
export const FRAME_HEAD_BYTES = 5;
/** Bytes of a chunk id inside a CHUNK frame. */
export const CHUNK_ID_BYTES = 32;

/** The informational header; nothing in it is trusted on import. */
export interface ExportHeader {
  format: 'persistd-export';
  version: number;
  world_id: string;
  epoch: string;
  content_digest: string;
  chunks: number;
  chunk_bytes: number;
  exported_at: string;
  key_prefix: string;
}
