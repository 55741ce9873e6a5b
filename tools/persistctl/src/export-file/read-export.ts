import { open, type FileHandle } from 'node:fs/promises';
import { fromBinary } from '@bufbuild/protobuf';
import { EpochMetaSchema, type EpochMeta } from '@persistd/contract';
import { sha256Hex } from '@persistd/validation';
import { refused, UsageError } from '../cli-error';
import { CHUNK_ID_BYTES, EXPORT_MAGIC, EXPORT_VERSION, FRAME, FRAME_HEAD_BYTES, PREAMBLE_BYTES, type ExportHeader } from './format';

/** An export file's contents; every chunk already hashed to its id. Not yet checked against the meta (check-export.ts). */
export interface ExportContents {
  header: ExportHeader | undefined;
  metaBytes: Uint8Array;
  meta: EpochMeta;
  chunks: Map<string, Uint8Array>;
  fileBytes: number;
}

/** Reads exactly `n` bytes at `position`; undefined when the file ends first. */
async function readExact(fh: FileHandle, n: number, position: number): Promise<Buffer | undefined> {
  const buf = Buffer.alloc(n);
  let got = 0;
  while (got < n) {
    const { bytesRead } = await fh.read(buf, got, n - got, position + got);
    if (bytesRead === 0) return undefined;
    got += bytesRead;
  }
  return buf;
}

const truncated = (what: string) => refused('MISSING_COMPONENT', `the export file is truncated: ${what} is missing`);

/**
 * Reads an export file frame by frame (format.ts), hashing each chunk against its id as it
 * arrives: a chunk that does not is DIGEST_MISMATCH, a file that stops early is
 * MISSING_COMPONENT, a file that is not an export at all is a usage error.
 * `onBytes` reports progress.
 */
export async function readExport(path: string, onBytes: (n: number) => void = () => undefined): Promise<ExportContents> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    const size = (await fh.stat()).size;
    const preamble = await readExact(fh, PREAMBLE_BYTES, 0);
    if (!preamble || !preamble.subarray(0, EXPORT_MAGIC.length).equals(EXPORT_MAGIC)) throw new UsageError(`${path} is not a persistd export file`);
    const version = preamble.readUInt32BE(EXPORT_MAGIC.length);
    if (version !== EXPORT_VERSION) throw refused('UNSUPPORTED_VERSION', `${path} is export format version ${version}; this persistctl reads version ${EXPORT_VERSION}`);

    let position = PREAMBLE_BYTES;
    let header: ExportHeader | undefined;
    let metaBytes: Uint8Array | undefined;
    const chunks = new Map<string, Uint8Array>();
    let chunkFrames = 0;
    let ended = false;
    while (!ended) {
      const head = await readExact(fh, FRAME_HEAD_BYTES, position);
      if (!head) throw truncated(metaBytes ? 'the END frame' : 'the META frame');
      const kind = head.readUInt8(0);
      const length = head.readUInt32BE(1);
      if (position + FRAME_HEAD_BYTES + length > size) throw truncated(`${length} bytes of a frame at offset ${position}`);
      const payload = (await readExact(fh, length, position + FRAME_HEAD_BYTES))!;
      position += FRAME_HEAD_BYTES + length;
      onBytes(FRAME_HEAD_BYTES + length);
      switch (kind) {
        case FRAME.HEADER:
          header = parseHeader(payload);
          break;
        case FRAME.META:
          if (metaBytes) throw refused('DIGEST_MISMATCH', 'the export file holds two META frames');
          metaBytes = payload;
          break;
        case FRAME.CHUNK: {
          if (length < CHUNK_ID_BYTES) throw refused('DIGEST_MISMATCH', `a CHUNK frame at offset ${position - length - FRAME_HEAD_BYTES} is shorter than a chunk id`);
          const id = payload.subarray(0, CHUNK_ID_BYTES).toString('hex');
          const bytes = payload.subarray(CHUNK_ID_BYTES);
          if (sha256Hex(bytes) !== id) throw refused('DIGEST_MISMATCH', `chunk ${id} does not hash to its id`);
          chunks.set(id, bytes);
          chunkFrames++;
          break;
        }
        case FRAME.END:
          if (length !== 4 || payload.readUInt32BE(0) !== chunkFrames) {
            throw refused('MISSING_COMPONENT', `the END frame counts ${length === 4 ? payload.readUInt32BE(0) : '?'} chunks; the file holds ${chunkFrames}`);
          }
          ended = true;
          break;
        default:
          throw refused('DIGEST_MISMATCH', `unknown frame kind ${kind} at offset ${position - length - FRAME_HEAD_BYTES}`);
      }
    }
    if (position !== size) throw refused('DIGEST_MISMATCH', `${size - position} bytes follow the END frame`);
    if (!metaBytes) throw truncated('the META frame');
    let meta: EpochMeta;
    try {
      meta = fromBinary(EpochMetaSchema, metaBytes);
    } catch (e) {
      throw refused('DIGEST_MISMATCH', `the META frame does not decode as an EpochMeta: ${(e as Error).message}`);
    }
    return { header, metaBytes, meta, chunks, fileBytes: size };
  } finally {
    await fh.close();
  }
}

function parseHeader(payload: Buffer): ExportHeader | undefined {
  try {
    return JSON.parse(payload.toString('utf8')) as ExportHeader;
  } catch {
    return undefined; // informational only: a damaged header alone is no reason to refuse
  }
}
