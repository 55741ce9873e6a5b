import { SaveChangesRequestSchema, type RecordCounts, type SaveChangesRequest } from '@persistd/contract';
import {
  applyChanges,
  baseSectionsOfFrames,
  indexOfBase,
  changeRequestDigest,
  checkChangeRequest,
  sortViolations,
  uniqueViolations,
  type BaseIndex,
  type ChangeRequestFindings,
  type InputLimits,
  type PreparedEpoch,
  type RuleViolation,
} from '@persistd/validation';
import { enforceInputLimits } from '../limits/input-limits';
import { decodeRequest } from '../rpc/decode-request';
import { Refusal } from '../rpc/refusal';
import { runSnapshotSteps, SaveRefused, type SaveWork } from './save-steps';

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
}

/** The result: the request again, its base, and what the first job found beyond the result's rules. */
export interface ChangesResultJob extends ChangesJobBase {
  method: 'ChangesResult';
  /** The base epoch's section messages, as restore frames them (restoreFrames, activation left out). */
  baseFrames: Uint8Array[];
  base: { epoch: bigint; schemaVersion: number };
  /** The base's index, when the daemon holds it (only for this very epoch and digest). */
  cached?: BaseIndex;
  beyondResult: RuleViolation[];
}

/** A stored epoch to index (one the daemon restored), as restore frames it. */
export interface IndexBaseJob {
  method: 'IndexBase';
  worldId: string;
  epoch: bigint;
  /** The epoch's meta digest, which the index is bound to. */
  digest: string;
  baseFrames: Uint8Array[];
}

/** An epoch's index. */
export interface IndexBaseWork {
  method: 'IndexBase';
  index: BaseIndex;
}

/** Indexes a stored epoch: each record's digest, per system. */
export function runIndexBaseSteps(job: IndexBaseJob): IndexBaseWork {
  return { method: 'IndexBase', index: indexOfBase(job.worldId, job.digest, { epoch: job.epoch, schemaVersion: 0, sections: baseSectionsOfFrames(job.baseFrames) }) };
}

/** A SaveChanges ready to commit: the stored form of its result, and the result's index. */
export interface ChangesResultWork {
  method: 'ChangesResult';
  prepared: PreparedEpoch;
  counts: RecordCounts;
  index: Omit<BaseIndex, 'epoch' | 'digest'>;
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
  return { method: 'ChangesRequest', header, findings: checkChangeRequest(req), requestDigest: changeRequestDigest(req) };
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
    work = runSnapshotSteps({ method: 'Save', bytes: applied.saveRequest, limits: job.limits, checkedWorld: job.checkedWorld, principal: job.principal }) as SaveWork;
  } catch (e) {
    const violations = e instanceof SaveRefused ? e.refusal.options.violations : undefined;
    if (!violations) throw e instanceof SaveRefused ? new SaveRefused(e.refusal, headerOf(req)) : e;
    fromResult = violations;
  }
  const all = sortViolations(uniqueViolations([...fromResult, ...job.beyondResult, ...applied.violations]));
  if (all.length > 0 || !work) throw new SaveRefused(Refusal.ofViolations(all), headerOf(req));
  return { method: 'ChangesResult', prepared: work.prepared, counts: work.prepared.counts, index: applied.index };
}
