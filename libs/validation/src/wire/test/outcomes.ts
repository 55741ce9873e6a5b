import { fromBinary } from '@bufbuild/protobuf';
import { SaveRequestSchema } from '@persistd/contract';
import { prepareEpoch, type CommitStamp, type PreparedEpoch } from '../../stored-form/prepare-epoch';
import { validateSnapshot } from '../../validate-snapshot';
import type { RuleViolation } from '../../violation';
import { readSaveRequest, type WireStats } from '../read-request';
import { isWireMalformed } from '../wire-error';
import { prepareWireEpoch } from '../wire-prepare';
import { validateWireRequest } from '../wire-validate';

/**
 * Test support: what a Save does with a request's bytes before its commit, by either path —
 * MALFORMED_REQUEST, or the violations, or (accepted) the stored form — in a shape `toEqual`
 * compares fully (bytes as hex).
 */
export type Outcome = { malformed: true } | { malformed: false; violations: RuleViolation[]; stored?: StoredForm };

/** A PreparedEpoch with its bytes as hex. */
export interface StoredForm {
  sections: { system: number; records: number; chunks: { id: string; hex: string; records: number }[] }[];
  chunks: string[];
  manifests: { system: number; chunkIds: string[]; indexChunkIds: string[] }[];
  contentDigest: string;
  counts: unknown;
  unsealed: unknown;
}

export const STAMP: CommitStamp = { worldId: 'stamp-world', requestId: 'stamp-request', principal: 'tester', committedAtMs: 1_700_000_000_000n };

function stored(p: PreparedEpoch): StoredForm {
  return {
    sections: p.sections.map((s) => ({ system: s.system, records: s.records, chunks: s.chunks.map((c) => ({ id: c.id, hex: Buffer.from(c.bytes).toString('hex'), records: c.records })) })),
    chunks: p.chunks.map((c) => c.id),
    manifests: p.manifests.map((m) => ({ system: m.system, chunkIds: [...m.chunkIds], indexChunkIds: [...m.indexChunkIds] })),
    contentDigest: p.contentDigest,
    counts: { ...p.counts },
    unsealed: { ...p.unsealed, sections: p.unsealed.sections.map((m) => ({ system: m.system, chunkIds: [...m.chunkIds], indexChunkIds: [...m.indexChunkIds] })), counts: { ...p.unsealed.counts } },
  };
}

/** The typed path, as the Save handler runs it today: fromBinary → validateSnapshot (envelope included) → prepareEpoch. */
export function typedOutcome(bytes: Uint8Array): Outcome {
  let req;
  try {
    req = fromBinary(SaveRequestSchema, bytes, { readUnknownFields: true });
  } catch {
    return { malformed: true };
  }
  const violations = validateSnapshot({ worldId: req.worldId, expectedEpoch: req.expectedEpoch, source: req.source, snapshot: req.snapshot, requestId: req.requestId, request: { desc: SaveRequestSchema, message: req } });
  if (violations.length > 0) return { malformed: false, violations };
  return { malformed: false, violations, stored: stored(prepareEpoch(req.snapshot!, STAMP)) };
}

/** The wire path: readSaveRequest → validateWireRequest → prepareWireEpoch, and how the records were read. */
export function wireOutcome(bytes: Uint8Array): { outcome: Outcome; stats?: WireStats } {
  let read;
  try {
    read = readSaveRequest(bytes);
  } catch (e) {
    if (isWireMalformed(e)) return { outcome: { malformed: true } };
    throw e;
  }
  const violations = validateWireRequest(read);
  if (violations.length > 0) return { outcome: { malformed: false, violations }, stats: read.stats };
  return { outcome: { malformed: false, violations, stored: stored(prepareWireEpoch(read, STAMP)) }, stats: read.stats };
}
