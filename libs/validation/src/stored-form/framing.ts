import { create, toBinary, type DescMessage } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { ActivationEligibilitySchema, ActivationState, RestoreResponseSchema, RestorePhase, type ActivationEligibility, type EpochMeta, type OwnerSystem, type RestoreResponse } from '@persistd/contract';
import { OWNER_SYSTEMS } from '@persistd/ownership';
import { COMPILED_MODULES } from '../owner-modules';
import { recordChunkIdsOf, type ChunkSource } from './stored-tree';

/**
 * Restore sends stored chunks as they are (DESIGN §5, §7): a protobuf message is the
 * concatenation of its fields, so a section message is its header fields followed by the chunk,
 * and a RestoreResponse is phase, epoch and the section as its payload field. No record is
 * decoded or re-encoded. Field numbers come from the descriptors, never written by hand.
 */

/** Header fields every section message carries. */
export interface SectionHeader {
  sourceEpoch: bigint;
  schemaVersion: number;
  /** World section only. */
  worldId?: string;
  contentVersion?: string;
}

function fieldNo(desc: DescMessage, name: string): number {
  const f = desc.fields.find((x) => x.name === name);
  if (!f) throw new Error(`framing: ${desc.typeName} has no field ${name}`);
  return f.number;
}

const RESPONSE_PHASE = fieldNo(RestoreResponseSchema, 'phase');
const RESPONSE_EPOCH = fieldNo(RestoreResponseSchema, 'epoch');

const FRAMES = new Map<OwnerSystem, { phase: RestorePhase; payloadNo: number; sourceEpochNo: number; schemaVersionNo: number; worldIdNo: number; contentVersionNo: number }>(
  COMPILED_MODULES.map(({ entry, sectionDesc }) => [
    entry.system,
    {
      phase: entry.phase,
      payloadNo: fieldNo(RestoreResponseSchema, entry.section),
      sourceEpochNo: fieldNo(sectionDesc, 'source_epoch'),
      schemaVersionNo: fieldNo(sectionDesc, 'schema_version'),
      worldIdNo: entry.section === 'world' ? fieldNo(sectionDesc, 'world_id') : 0,
      contentVersionNo: entry.section === 'world' ? fieldNo(sectionDesc, 'content_version') : 0,
    },
  ]),
);

/**
 * The encoded RestoreResponse carrying one stored chunk of a system's section, or a run of
 * consecutive ones (`chunk` as their list, concatenated once here): byte-identical
 * to `toBinary` of the same message decoded (proto3 defaults omitted as toBinary omits them).
 */
export function frameSectionMessage(system: OwnerSystem, epoch: bigint, header: SectionHeader, chunk: Uint8Array | readonly Uint8Array[]): Uint8Array {
  const parts = chunk instanceof Uint8Array ? [chunk] : chunk;
  let length = 0;
  for (const p of parts) length += p.length;
  const f = FRAMES.get(system);
  if (!f) throw new Error(`framing: ${system} is not an owner system`);
  const h = new BinaryWriter();
  if (header.sourceEpoch !== 0n) h.tag(f.sourceEpochNo, WireType.Varint).uint64(header.sourceEpoch);
  if (header.schemaVersion !== 0) h.tag(f.schemaVersionNo, WireType.Varint).uint32(header.schemaVersion);
  if (f.worldIdNo && header.worldId) h.tag(f.worldIdNo, WireType.LengthDelimited).string(header.worldId);
  if (f.contentVersionNo && header.contentVersion) h.tag(f.contentVersionNo, WireType.LengthDelimited).string(header.contentVersion);
  const headerBytes = h.finish();
  const w = new BinaryWriter().tag(RESPONSE_PHASE, WireType.Varint).int32(f.phase);
  if (epoch !== 0n) w.tag(RESPONSE_EPOCH, WireType.Varint).uint64(epoch);
  w.tag(f.payloadNo, WireType.LengthDelimited).uint32(headerBytes.length + length);
  const head = w.finish();
  // One buffer of the message's size, the chunks copied in once: a form-2 message gathers a
  // thousand small chunks, and spreading them into Buffer.concat's list costs more than the copy.
  const out = Buffer.allocUnsafe(head.length + headerBytes.length + length);
  out.set(head, 0);
  out.set(headerBytes, head.length);
  let at = head.length + headerBytes.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The last message of every restore. */
export function frameActivationMessage(epoch: bigint, activation: ActivationEligibility): Uint8Array {
  return toBinary(RestoreResponseSchema, create(RestoreResponseSchema, { phase: RestorePhase.ACTIVATION, epoch, payload: { case: 'activation', value: activation } }));
}

/** One encoded message of a restore, with what the restore sequence checks of it. */
export interface RestoreFrame {
  phase: RestorePhase;
  payloadCase: NonNullable<RestoreResponse['payload']['case']>;
  bytes: Uint8Array;
}

/**
 * How many record bytes a restore message carries at most, unless one chunk alone is larger:
 * stored form 2's small chunks are framed many to a message, so the count of messages, and what
 * each costs to send, stays that of form 1's large chunks.
 */
export const FRAME_TARGET_BYTES = 1_048_576;

/**
 * Runs of consecutive chunks whose bytes together stay at or under FRAME_TARGET_BYTES (a larger
 * chunk alone): consecutive chunks of one section are consecutive entries of its records field,
 * so their concatenation is one section message's payload.
 */
function* frameRuns(ids: readonly string[], chunks: ChunkSource): Generator<Uint8Array[]> {
  let run: Uint8Array[] = [];
  let size = 0;
  for (const id of ids) {
    const bytes = chunks.get(id)!;
    if (run.length > 0 && size + bytes.length > FRAME_TARGET_BYTES) {
      yield run;
      run = [];
      size = 0;
    }
    run.push(bytes);
    size += bytes.length;
  }
  if (run.length > 0) yield run;
}

/**
 * Every message of the restore of a stored epoch, framed one at a time, in DESIGN §1's phase
 * order: each section's record chunks as the meta lists them (directly in form 1, through its
 * index chunks in form 2), many to a message up to FRAME_TARGET_BYTES, then the activation
 * message, with every system INACTIVE. `chunks` holds every listed chunk's stored bytes (the
 * very map the verification listed them from: the listing is not unpacked again). Nothing is
 * decoded or checked here: the caller verified the epoch first.
 */
export function* restoreFrames(epoch: bigint, meta: EpochMeta, chunks: ChunkSource): Generator<RestoreFrame> {
  const header = { sourceEpoch: epoch, schemaVersion: meta.schemaVersion, worldId: meta.worldId, contentVersion: meta.contentVersion };
  const listed = recordChunkIdsOf(meta, chunks);
  for (const [i, entry] of OWNER_SYSTEMS.entries()) {
    for (const run of frameRuns(listed[i], chunks)) {
      yield { phase: entry.phase, payloadCase: entry.section, bytes: frameSectionMessage(entry.system, epoch, header, run) };
    }
  }
  const activation = create(ActivationEligibilitySchema, {
    worldId: meta.worldId,
    epoch,
    digest: meta.digest,
    contentDigest: meta.contentDigest,
    schemaVersion: meta.schemaVersion,
    counts: meta.counts,
    systems: OWNER_SYSTEMS.map((e) => ({ system: e.system, state: ActivationState.INACTIVE })),
  });
  yield { phase: RestorePhase.ACTIVATION, payloadCase: 'activation', bytes: frameActivationMessage(epoch, activation) };
}
