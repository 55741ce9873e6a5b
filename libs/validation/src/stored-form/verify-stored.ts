import { create, fromBinary } from '@bufbuild/protobuf';
import { StateSource, WorldSnapshotSchema, storedFormOf, type EpochMeta, type StoredForm, type RecordCounts, type WorldSnapshot } from '@persistd/contract';
import { CURRENT_SCHEMA_VERSION, SUPPORTED_SCHEMA_VERSIONS, validateSnapshot, type RuleViolation } from '../validate-snapshot';
import { COMPILED_MODULES } from '../owner-modules';
import { canonicalSections } from './canonical';
import { cutSection, sha256Hex } from './chunks';
import { listRecordChunks, recordChunkIdsOf } from './stored-tree';
import { contentDigestOf, countsOf, metaDigestOf } from './digests';

/** A stored epoch as the store read it: bytes only, nothing verified yet. */
export interface StoredEpochView {
  worldId: string;
  epoch: bigint;
  meta: EpochMeta;
  chunks: ReadonlyMap<string, Uint8Array>;
}

/** Damage found at rest. `violations` lists the structural rules broken (full mode). */
export interface StoredFinding {
  code: 'MISSING_COMPONENT' | 'UNSUPPORTED_VERSION' | 'MIXED_VERSION' | 'MIXED_EPOCH' | 'DIGEST_MISMATCH' | RuleViolation['code'];
  message: string;
  violations: RuleViolation[];
}

/** `digest`: meta, chunk ids and SHA-256 without decoding a record; `full`: also every structural rule. */
export type VerifyMode = 'digest' | 'full';

const finding = (code: StoredFinding['code'], message: string): StoredFinding => ({ code, message, violations: [] });

/**
 * Verifies a stored epoch before a single record is handed out, in DESIGN §4's restore order:
 * MISSING_COMPONENT → UNSUPPORTED_VERSION → MIXED_VERSION → MIXED_EPOCH → DIGEST_MISMATCH →
 * (full) the records decode to exactly the stored canonical bytes and counts, then every
 * structural rule. Nothing is inferred or repaired. Undefined means intact. Never throws on
 * damage: whatever the stored bytes are, the answer is a finding, so a restore refuses with a
 * status instead of failing INTERNAL.
 */
export function verifyStoredEpoch(stored: StoredEpochView, mode: VerifyMode): StoredFinding | undefined {
  return verifyAtRest(stored) ?? (mode === 'full' ? verifyRecords(stored) : undefined);
}

/** Everything `digest` mode checks: no record is decoded. */
function verifyAtRest(stored: StoredEpochView): StoredFinding | undefined {
  const { meta, epoch } = stored;
  const sections = meta.sections;
  const form = storedFormOf(meta);
  if (form !== 1 && form !== 2) return finding('UNSUPPORTED_VERSION', `epoch ${epoch} is in stored form ${form}; this daemon reads forms 1 and 2`);
  // A newer schema may lay its sections out differently: that is for a newer daemon to judge,
  // and reporting it as damage would call an upgrade "data loss" (DESIGN §8). Absent chunks are
  // absent whatever the schema.
  const layoutKnown = meta.schemaVersion <= CURRENT_SCHEMA_VERSION;
  if (layoutKnown && (sections.length !== COMPILED_MODULES.length || COMPILED_MODULES.some((l, i) => sections[i].system !== l.entry.system))) {
    return finding('MISSING_COMPONENT', `meta of epoch ${epoch} does not list the five sections in restore order`);
  }
  for (const s of sections) {
    const roots = form === 1 ? s.chunkIds : s.indexChunkIds;
    if (layoutKnown && roots.length === 0) return finding('MISSING_COMPONENT', `meta of epoch ${epoch} lists no chunk for system ${s.system}`);
    const absent = roots.find((id) => !stored.chunks.has(id));
    if (absent) return finding('MISSING_COMPONENT', `chunk ${absent} of epoch ${epoch} is absent`);
  }
  // Form 2: an index chunk is followed only once it hashes to its id, so a damaged one is
  // reported as such and never as the absence of the chunks it seems to list.
  if (form === 2) {
    for (const s of sections) {
      const damaged = s.indexChunkIds.find((id) => sha256Hex(stored.chunks.get(id)!) !== id);
      if (damaged) return finding('DIGEST_MISMATCH', `chunk ${damaged} does not hash to its id`);
    }
  }
  const listed = listRecordChunks(meta, stored.chunks);
  if (!Array.isArray(listed)) return finding(listed.code, listed.message);
  for (const ids of listed) {
    const absent = ids.find((id) => !stored.chunks.has(id));
    if (absent) return finding('MISSING_COMPONENT', `chunk ${absent} of epoch ${epoch} is absent`);
  }
  if (meta.schemaVersion > CURRENT_SCHEMA_VERSION || (meta.schemaVersion !== 0 && !SUPPORTED_SCHEMA_VERSIONS.includes(meta.schemaVersion))) {
    return finding('UNSUPPORTED_VERSION', `epoch ${epoch} is stored under schema ${meta.schemaVersion}; this daemon reads ${SUPPORTED_SCHEMA_VERSIONS.join(', ')}`);
  }
  if (meta.schemaVersion === 0) return finding('MIXED_VERSION', `meta of epoch ${epoch} carries no schema version`);
  if (meta.epoch !== epoch) return finding('MIXED_EPOCH', `meta stored as epoch ${epoch} says epoch ${meta.epoch}`);
  if (meta.worldId !== stored.worldId) return finding('MIXED_EPOCH', `meta stored under world ${stored.worldId} says world ${meta.worldId}`);
  for (const [id, bytes] of stored.chunks) {
    if (sha256Hex(bytes) !== id) return finding('DIGEST_MISMATCH', `chunk ${id} does not hash to its id`);
  }
  const recordManifests = sections.map((s, i) => ({ system: s.system, chunkIds: listed[i] }));
  if (contentDigestOf(meta.contentVersion, recordManifests) !== meta.contentDigest) return finding('DIGEST_MISMATCH', `content digest of epoch ${epoch} does not match its chunks`);
  if (metaDigestOf(meta) !== meta.digest) return finding('DIGEST_MISMATCH', `meta of epoch ${epoch} does not hash to its digest`);
  return undefined;
}

/**
 * What `full` mode adds, on an epoch whose bytes are intact. Chunks that hash to their ids can
 * still hold something other than canonical records (bytes that do not decode, header fields
 * that a framed restore would pass on, records out of order): the records are re-encoded and
 * re-cut, and must give back the very chunk ids the meta lists — the content digest is then
 * the digest of these records (DIGEST_MISMATCH otherwise). Then the meta's counts, then the
 * structural rules on the stored truth.
 */
function verifyRecords(stored: StoredEpochView): StoredFinding | undefined {
  const { meta, epoch } = stored;
  let snapshot: WorldSnapshot;
  try {
    snapshot = decodeStoredSnapshot(stored);
  } catch (e) {
    return finding('DIGEST_MISMATCH', `chunks of epoch ${epoch} do not decode as records: ${(e as Error).message}`);
  }
  const form = storedFormOf(meta) as StoredForm;
  const recut = canonicalSections(snapshot).map((s) => cutSection(s, form));
  const listed = recordChunkIdsOf(meta, stored.chunks);
  const strayed = recut.findIndex(
    (s, i) => !sameIds(s.chunks.map((c) => c.id), listed[i]) || (form === 2 && !sameIds(s.index!.map((c) => c.id), meta.sections[i].indexChunkIds)),
  );
  if (strayed >= 0) {
    return finding('DIGEST_MISMATCH', `chunks of the ${COMPILED_MODULES[strayed].entry.section} section of epoch ${epoch} are not the canonical encoding of the records they hold`);
  }
  if (!sameCounts(meta.counts, countsOf(recut))) {
    return finding('MISSING_COMPONENT', `record counts of epoch ${epoch} disagree with its chunks`);
  }
  const violations = validateSnapshot({ worldId: stored.worldId, expectedEpoch: epoch, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot });
  if (violations.length > 0) return { code: violations[0].code, message: `epoch ${epoch} breaks ${violations.length} structural rule(s)`, violations };
  return undefined;
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

function sameCounts(stored: RecordCounts | undefined, recounted: RecordCounts): boolean {
  return (
    stored !== undefined &&
    stored.players === recounted.players &&
    stored.zones === recounted.zones &&
    stored.npcs === recounted.npcs &&
    stored.items === recounted.items &&
    stored.quests === recounted.quests
  );
}

/**
 * Decodes a stored epoch into the snapshot it restores to (every section stamped with the
 * epoch and the meta's schema version): for full verification and the validation CLI, never on
 * the restore path. Throws when a chunk does not decode; call it on an epoch whose bytes
 * `verifyStoredEpoch` has checked.
 */
export function decodeStoredSnapshot(stored: StoredEpochView): WorldSnapshot {
  const { meta } = stored;
  const snapshot = create(WorldSnapshotSchema, { schemaVersion: meta.schemaVersion });
  const listed = recordChunkIdsOf(meta, stored.chunks);
  COMPILED_MODULES.forEach(({ entry, sectionDesc }, i) => {
    const bytes = Buffer.concat(listed[i].map((id) => stored.chunks.get(id)!));
    const section = fromBinary(sectionDesc, bytes) as unknown as Record<string, unknown>;
    section.sourceEpoch = stored.epoch;
    section.schemaVersion = meta.schemaVersion;
    if (entry.section === 'world') {
      section.worldId = meta.worldId;
      section.contentVersion = meta.contentVersion;
    }
    (snapshot as unknown as Record<string, unknown>)[entry.section] = section;
  });
  return snapshot;
}
