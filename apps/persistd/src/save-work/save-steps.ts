import { SaveRequestSchema, ValidateRequestSchema, type SaveChangesRequest, type SaveRequest, type StoredForm, type ValidateRequest } from '@persistd/contract';
import { firstWireBreach, isWireMalformed, prepareWireEpoch, readRequestFields, readSnapshotRequest, validateWireRequest, wireExtent, type PreparedEpoch, type RuleViolation, type SnapshotRequestSchema, type WireRequest, type WireStats } from '@persistd/validation';
import { enforceInputLimits, limitRefusal, type InputLimits } from '../limits/input-limits';
import { decodeRequest } from '../rpc/decode-request';
import { Refusal } from '../rpc/refusal';

/** Which stored form new epochs are written in, and the rules version they were checked under. */
export interface StoredFormChoice {
  storedForm: StoredForm;
  rulesVersion: string;
}

/** The two methods that carry a whole snapshot, and so whose checks cost CPU. */
export type SnapshotMethod = 'Save' | 'Validate';

/** What a Save's or Validate's CPU work needs: the request bytes and what intake already knows. */
export interface SaveJob {
  method: SnapshotMethod;
  bytes: Uint8Array;
  limits: InputLimits;
  /** The stored form to write and the rules version to record; the defaults when absent. */
  stored?: StoredFormChoice;
  /** The world authority checked on the raw bytes, when it checked one. */
  checkedWorld?: string;
  principal: string;
}

/** A Save ready to commit: its request fields and its stored form. */
export interface SaveWork {
  method: 'Save';
  /** The request's own fields (its snapshot left unset). */
  header: SaveRequest;
  /** Chunks, digests and the meta to seal; `unsealed.committedAtMs` is stamped at commit time. */
  prepared: PreparedEpoch;
  stats: WireStats;
}

/** A Validate checked: its request fields and every violation of its snapshot, sorted. */
export interface ValidateWork {
  method: 'Validate';
  header: ValidateRequest;
  violations: RuleViolation[];
}

/** A refused request, with its fields when they could be read (the call log names them). */
export class SaveRefused extends Error {
  constructor(
    readonly refusal: Refusal,
    readonly header: SaveRequest | ValidateRequest | SaveChangesRequest | undefined,
  ) {
    super(refusal.message);
  }
}

const SCHEMAS: Record<SnapshotMethod, SnapshotRequestSchema> = { Save: SaveRequestSchema, Validate: ValidateRequestSchema };

/**
 * The input limits counted at wire level before the request is read (wire-census.ts): reading
 * builds a view per record and per map entry, so a flood of tiny records would cost gigabytes
 * before a limit could refuse it. Authority's world check still comes first (DESIGN §4). A
 * request over a limit is refused here even when bytes further on would not parse: it is not
 * read on.
 */
function refuseFloods(schema: SnapshotRequestSchema, bytes: Buffer, job: SaveJob): void {
  const breach = firstWireBreach(schema, bytes, job.limits);
  if (!breach) return;
  const header = readRequestFields(schema, bytes) as SaveRequest | ValidateRequest | undefined;
  if (header && job.checkedWorld !== undefined && header.worldId !== job.checkedWorld) {
    throw new SaveRefused(new Refusal('CLIENT_AUTHORED', `world_id ${JSON.stringify(header.worldId)} is not the world authority checked`), header);
  }
  throw new SaveRefused(limitRefusal(breach), header);
}

/**
 * The CPU of a request that carries a snapshot, in DESIGN §4's order after authority and the
 * in-flight budget: read the request at wire level (MALFORMED_REQUEST), the world authority
 * checked (CLIENT_AUTHORED), the input limits (LIMIT_EXCEEDED), every snapshot rule; then, for a
 * Save without violations, the stored form. Save refuses on violations; Validate answers them.
 * Pure: no I/O, no clock, so it runs as well on a save worker thread (save-pool.ts) as inline.
 * Throws SaveRefused.
 */
export function runSnapshotSteps(job: SaveJob): SaveWork | ValidateWork {
  const schema = SCHEMAS[job.method];
  const bytes = Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength);
  refuseFloods(schema, bytes, job);
  let read: WireRequest;
  try {
    read = readSnapshotRequest(schema, bytes);
  } catch (e) {
    if (isWireMalformed(e)) throw new SaveRefused(new Refusal('MALFORMED_REQUEST', `request does not parse as ${schema.typeName}: ${e.message}`), undefined);
    throw e;
  }
  const header = read.header as SaveRequest | ValidateRequest;
  let violations: RuleViolation[];
  try {
    if (job.checkedWorld !== undefined && header.worldId !== job.checkedWorld) {
      throw new Refusal('CLIENT_AUTHORED', `world_id ${JSON.stringify(header.worldId)} is not the world authority checked`);
    }
    // The typed decode runs only when the read's extent shows a limit broken, to name the breach
    // exactly as the typed walk does.
    const extent = wireExtent(read);
    const { limits } = job;
    if (extent.maxStringBytes > limits.maxStringBytes || extent.maxMapEntries > limits.maxMapEntries || extent.maxListLength > limits.maxRecordsPerSection) {
      enforceInputLimits(schema, decodeRequest(schema, bytes), limits);
    }
    violations = validateWireRequest(read);
    if (job.method === 'Save' && violations.length > 0) throw Refusal.ofViolations(violations);
  } catch (e) {
    if (e instanceof Refusal) throw new SaveRefused(e, header);
    throw e;
  }
  if (job.method === 'Validate') return { method: 'Validate', header: header as ValidateRequest, violations };
  const save = header as SaveRequest;
  const prepared = prepareWireEpoch(read, { worldId: save.worldId, requestId: save.requestId, principal: job.principal, committedAtMs: 0n, ...job.stored });
  return { method: 'Save', header: save, prepared, stats: read.stats };
}
