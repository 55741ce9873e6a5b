import { SaveChangesRequestSchema, type RecordCounts, type SaveChangesRequest } from '@persistd/contract';
import {
  applyChanges,
  baseSectionsOfFrames,
  indexOfStoredChunks,
  changeRequestDigest,
  checkChangeRequest,
  sortViolations,
  uniqueViolations,
  type BaseIndex,
  type ChangeRequestFindings,
  type DigestSection,
  type InputLimits,
  type PreparedEpoch,
  type RuleViolation,
  type FastChanges,
  fastChangesOf,
  lostMapKeysOfChanges,
} from '@persistd/validation';
import { enforceInputLimits } from '../limits/input-limits';
import { decodeRequest } from '../rpc/decode-request';
import { Refusal } from '../rpc/refusal';
import { runSnapshotSteps, SaveRefused, type SaveWork, type StoredFormChoice } from './save-steps';

/**
 * The CPU of a SaveChanges, in two jobs for the save workers (DESIGN §4, §7): first the request
 * alone (decode, authority's world, limits of the request, its own violations, its request
 * digest), then — once the handler knows the expected epoch is the committed one and has read
 * that base — the result: the change set applied to the base and run through the Save steps
 * themselves, so the result is checked and stored exactly as a Save of it. Pure, as the snapshot steps.
 */

/** What both jobs carry: the request bytes and what intake knows. */
interface ChangesJobBase {
  bytes: Uint8Array;
  limits: InputLimits;
  checkedWorld?: string;
  principal: string;
}

/** The request alone. */
export interface ChangesRequestJob extends ChangesJobBase {
  method: 'ChangesRequest';
}

/** A SaveChanges' request checked: its fields, findings and request digest. */
export interface ChangesRequestWork {
  method: 'ChangesRequest';
  /** The request's own fields (its change set left unset). */
  header: SaveChangesRequest;
  findings: ChangeRequestFindings;
  requestDigest: string;
  /** The change set as the fast path reads it (upsert-facts.ts): only when the request has no violation of its own. */
  fast?: FastChanges;
}

/** The result: the request again, its base, and what the first job found beyond the result's rules. */
export interface ChangesResultJob extends ChangesJobBase {
  method: 'ChangesResult';
  /** The base epoch's section messages, as restore frames them (restoreFrames, activation left out). */
  baseFrames: Uint8Array[];
  base: { epoch: bigint; schemaVersion: number };
  /** The base's record digests, when the daemon holds its index (only for this very epoch and digest). */
  cached?: DigestSection[];
  beyondResult: RuleViolation[];
  /** The stored form to write and the rules version to record (PERSISTD_STORED_FORM), as a Save's. */
  stored: StoredFormChoice;
}

/** A stored epoch to index (one the daemon restored): its record chunks, per section in order. */
export interface IndexBaseJob {
  method: 'IndexBase';
  worldId: string;
  epoch: bigint;
  /** The epoch's meta digest, which the index is bound to. */
  digest: string;
  sections: { id: string; bytes: Uint8Array }[][];
}

/** An epoch's index. */
export interface IndexBaseWork {
  method: 'IndexBase';
  index: BaseIndex;
}

/** Indexes a stored epoch (base-index.ts): digests, facts and leaves, per system. */
export function runIndexBaseSteps(job: IndexBaseJob): IndexBaseWork {
  return { method: 'IndexBase', index: indexOfStoredChunks(job.worldId, job.epoch, job.digest, job.sections) };
}

/** A SaveChanges ready to commit: the stored form of its result, and the result's index. */
export interface ChangesResultWork {
  method: 'ChangesResult';
  prepared: PreparedEpoch;
  counts: RecordCounts;
}

function readChanges(job: ChangesJobBase): SaveChangesRequest {
  let req: SaveChangesRequest;
  try {
    req = decodeRequest(SaveChangesRequestSchema, job.bytes);
  } catch (e) {
    if (e instanceof Refusal) throw new SaveRefused(e, undefined);
    throw e;
  }
  return req;
}

const headerOf = (req: SaveChangesRequest): SaveChangesRequest => ({ ...req, changes: undefined });

/** The first job: MALFORMED_REQUEST, CLIENT_AUTHORED, LIMIT_EXCEEDED of the request, then its findings. Throws SaveRefused. */
export function runChangeRequestSteps(job: ChangesRequestJob): ChangesRequestWork {
  const req = readChanges(job);
  const header = headerOf(req);
  try {
    if (job.checkedWorld !== undefined && req.worldId !== job.checkedWorld) {
      throw new Refusal('CLIENT_AUTHORED', `world_id ${JSON.stringify(req.worldId)} is not the world authority checked`);
    }
    enforceInputLimits(SaveChangesRequestSchema, req, job.limits);
  } catch (e) {
    if (e instanceof Refusal) throw new SaveRefused(e, header);
    throw e;
  }
  const findings = checkChangeRequest(req, lostMapKeysOfChanges(job.bytes));
  return { method: 'ChangesRequest', header, findings, requestDigest: changeRequestDigest(req, job.bytes), fast: findings.own.length === 0 && findings.beyondResult.length === 0 ? fastChangesOf(req, job.bytes) : undefined };
}

/**
 * The second job: the result formed and checked as a Save of it (LIMIT_EXCEEDED of the result,
 * then every violation, the request's and the change set's merged in), then its stored form.
 * Throws SaveRefused.
 */
export function runChangeResultSteps(job: ChangesResultJob): ChangesResultWork {
  const req = readChanges(job);
  const applied = applyChanges(req, { ...job.base, sections: baseSectionsOfFrames(job.baseFrames) }, job.cached);
  let work: SaveWork | undefined;
  let fromResult: readonly RuleViolation[] = [];
  try {
    const save = { method: 'Save' as const, bytes: applied.saveRequest, limits: job.limits, stored: job.stored, checkedWorld: job.checkedWorld, principal: job.principal };
    work = runSnapshotSteps(save) as SaveWork;
  } catch (e) {
    const violations = e instanceof SaveRefused ? e.refusal.options.violations : undefined;
    if (!violations) throw e instanceof SaveRefused ? new SaveRefused(e.refusal, headerOf(req)) : e;
    fromResult = violations;
  }
  const all = sortViolations(uniqueViolations([...fromResult, ...job.beyondResult, ...applied.violations]));
  if (all.length > 0 || !work) throw new SaveRefused(Refusal.ofViolations(all), headerOf(req));
  return { method: 'ChangesResult', prepared: work.prepared, counts: work.prepared.counts };
}
