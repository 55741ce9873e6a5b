import { fromBinary } from '@bufbuild/protobuf';
import { SaveRequestSchema, ValidateRequestSchema, type SaveRequest, type StoredForm, type ValidateRequest } from '@persistd/contract';
import { firstLimitBreach, type InputLimits } from '../limits/input-limits';
import type { PreparedEpoch } from '../stored-form/prepare-epoch';
import { describe, type RuleViolation } from '../violation';
import { isWireMalformed } from '../wire/wire-error';
import { prepareWireEpoch } from '../wire/wire-prepare';
import { lostMapKeysOfSnapshot, validateWireRequest } from '../wire/wire-validate';
import { readRequestFields, readSnapshotRequest, type SnapshotRequestSchema, type WireRequest, type WireStats } from '../wire/read-request';
import { wireCensus, type WirePath } from '../wire/wire-census';
import { wireExtent } from '../wire/wire-extent';
import { saveRequestDigest } from './save-request-digest';
import { limitExceeded, SnapshotRefused } from './snapshot-refused';

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
  /** The request digest a retry is recognized by (save-request-digest.ts), whatever stored form either daemon writes. */
  requestDigest: string;
  stats: WireStats;
}

/** A Validate checked: its request fields and every violation of its snapshot, sorted. */
export interface ValidateWork {
  method: 'Validate';
  header: ValidateRequest;
  violations: RuleViolation[];
}

const SCHEMAS: Record<SnapshotMethod, SnapshotRequestSchema> = { Save: SaveRequestSchema, Validate: ValidateRequestSchema };

const notTheCheckedWorld = (worldId: string) => `world_id ${JSON.stringify(worldId)} is not the world authority checked`;

const malformed = (schema: SnapshotRequestSchema, e: Error) => `request does not parse as ${schema.typeName}: ${e.message}`;

/**
 * The input limits counted at wire level before the request is read (wire-census.ts): reading
 * builds a view per record and per map entry, so a flood of tiny records would cost gigabytes
 * before a limit could refuse it. Authority's world check still comes first (DESIGN §4). A
 * request over a limit is refused here even when bytes further on would not parse: it is not
 * read on. Otherwise returns where the bytes hold a map key `__proto__`, which the read loses
 * and the field rules refuse.
 */
function refuseFloods(schema: SnapshotRequestSchema, bytes: Buffer, job: SaveJob): WirePath[] {
  const { breach, lostKeys } = wireCensus(schema, bytes, job.limits);
  if (!breach) return lostKeys;
  const header = readRequestFields(schema, bytes) as SaveRequest | ValidateRequest | undefined;
  if (header && job.checkedWorld !== undefined && header.worldId !== job.checkedWorld) {
    throw new SnapshotRefused('CLIENT_AUTHORED', notTheCheckedWorld(header.worldId), header);
  }
  const { message, metadata } = limitExceeded(breach);
  throw new SnapshotRefused('LIMIT_EXCEEDED', message, header, { metadata });
}

/**
 * The breach the limits' walk names, when the read's extent shows a limit broken: the typed
 * decode runs only then, to name the breach exactly as the walk does.
 */
function limitBreachOf(read: WireRequest, bytes: Buffer, limits: InputLimits) {
  const extent = wireExtent(read);
  if (extent.maxStringBytes <= limits.maxStringBytes && extent.maxMapEntries <= limits.maxMapEntries && extent.maxListLength <= limits.maxRecordsPerSection) return undefined;
  let message: object;
  try {
    message = fromBinary(read.schema, bytes, { readUnknownFields: true });
  } catch (e) {
    throw new SnapshotRefused('MALFORMED_REQUEST', malformed(read.schema, e as Error), undefined);
  }
  return firstLimitBreach(read.schema, message, limits);
}

/**
 * The CPU of a request that carries a snapshot, in DESIGN §4's order after authority and the
 * in-flight budget: read the request at wire level (MALFORMED_REQUEST), the world authority
 * checked (CLIENT_AUTHORED), the input limits (LIMIT_EXCEEDED), every snapshot rule; then, for a
 * Save without violations, the stored form. Save refuses on violations; Validate answers them.
 * Pure: no I/O, no clock, so the daemon runs it on a save worker thread or inline, and the bench
 * measures this very pipeline. Throws SnapshotRefused.
 */
export function runSnapshotSteps(job: SaveJob): SaveWork | ValidateWork {
  const schema = SCHEMAS[job.method];
  const bytes = Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength);
  const lostKeys = refuseFloods(schema, bytes, job);
  let read: WireRequest;
  try {
    read = readSnapshotRequest(schema, bytes);
  } catch (e) {
    if (isWireMalformed(e)) throw new SnapshotRefused('MALFORMED_REQUEST', malformed(schema, e), undefined);
    throw e;
  }
  const header = read.header as SaveRequest | ValidateRequest;
  if (job.checkedWorld !== undefined && header.worldId !== job.checkedWorld) throw new SnapshotRefused('CLIENT_AUTHORED', notTheCheckedWorld(header.worldId), header);
  let breach;
  try {
    breach = limitBreachOf(read, bytes, job.limits);
  } catch (e) {
    // A MALFORMED_REQUEST of the typed decode: still this request's, with its fields.
    if (e instanceof SnapshotRefused) throw new SnapshotRefused(e.code, e.message, header);
    throw e;
  }
  if (breach) {
    const { message, metadata } = limitExceeded(breach);
    throw new SnapshotRefused('LIMIT_EXCEEDED', message, header, { metadata });
  }
  const violations = validateWireRequest(read, lostMapKeysOfSnapshot(lostKeys));
  if (job.method === 'Validate') return { method: 'Validate', header: header as ValidateRequest, violations };
  const save = header as SaveRequest;
  if (violations.length > 0) throw new SnapshotRefused(violations[0].code, describe(violations[0]), save, { violations });
  const prepared = prepareWireEpoch(read, { worldId: save.worldId, requestId: save.requestId, principal: job.principal, committedAtMs: 0n, ...job.stored });
  return { method: 'Save', header: save, prepared, requestDigest: saveRequestDigest(read, prepared.sections), stats: read.stats };
}
