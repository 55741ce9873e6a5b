import type { SaveRequest } from '@persistd/contract';
import { SaveRequestSchema } from '@persistd/contract';
import { isWireMalformed, prepareWireEpoch, readSaveRequest, validateWireRequest, wireExtent, type PreparedEpoch, type WireStats } from '@persistd/validation';
import { enforceInputLimits, type InputLimits } from '../limits/input-limits';
import { decodeRequest } from '../rpc/decode-request';
import { Refusal } from '../rpc/refusal';

/** What a Save's CPU work needs: the request bytes and what intake already knows. */
export interface SaveJob {
  bytes: Uint8Array;
  limits: InputLimits;
  /** The world authority checked on the raw bytes, when it checked one. */
  checkedWorld?: string;
  principal: string;
}

/** A Save ready to commit: its request fields and its stored form. */
export interface SaveWork {
  /** The request's own fields (its snapshot left unset). */
  header: SaveRequest;
  /** Chunks, digests and the meta to seal; `unsealed.committedAtMs` is stamped at commit time. */
  prepared: PreparedEpoch;
  stats: WireStats;
}

/** A refused Save, with the request fields when they could be read (the call log names them). */
export class SaveRefused extends Error {
  constructor(
    readonly refusal: Refusal,
    readonly header: SaveRequest | undefined,
  ) {
    super(refusal.message);
  }
}

/**
 * Everything a Save costs in CPU before its commit, in DESIGN §4's order after authority and the
 * in-flight budget: read the request at wire level (MALFORMED_REQUEST), the world authority
 * checked (CLIENT_AUTHORED), the input limits (LIMIT_EXCEEDED), every snapshot rule (the
 * violations), then the stored form. Pure: no I/O, no clock, so it runs as well on a save worker
 * thread (save-pool.ts) as inline. Throws SaveRefused.
 */
export function runSaveSteps(job: SaveJob): SaveWork {
  const bytes = Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength);
  let read;
  try {
    read = readSaveRequest(bytes);
  } catch (e) {
    if (isWireMalformed(e)) throw new SaveRefused(new Refusal('MALFORMED_REQUEST', `request does not parse as ${SaveRequestSchema.typeName}: ${e.message}`), undefined);
    throw e;
  }
  const header = read.header as SaveRequest;
  try {
    if (job.checkedWorld !== undefined && header.worldId !== job.checkedWorld) {
      throw new Refusal('CLIENT_AUTHORED', `world_id ${JSON.stringify(header.worldId)} is not the world authority checked`);
    }
    // The typed decode runs only when the read's extent shows a limit broken, to name the breach
    // exactly as the typed walk does.
    const extent = wireExtent(read);
    const { limits } = job;
    if (extent.maxStringBytes > limits.maxStringBytes || extent.maxMapEntries > limits.maxMapEntries || extent.maxListLength > limits.maxRecordsPerSection) {
      enforceInputLimits(SaveRequestSchema, decodeRequest(SaveRequestSchema, bytes), limits);
    }
    const violations = validateWireRequest(read);
    if (violations.length > 0) throw Refusal.ofViolations(violations);
  } catch (e) {
    if (e instanceof Refusal) throw new SaveRefused(e, header);
    throw e;
  }
  const prepared = prepareWireEpoch(read, { worldId: header.worldId, requestId: header.requestId, principal: job.principal, committedAtMs: 0n });
  return { header, prepared, stats: read.stats };
}
