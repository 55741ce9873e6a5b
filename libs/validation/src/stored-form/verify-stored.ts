import { create, fromBinary } from '@bufbuild/protobuf';
import { StateSource, WorldSnapshotSchema, type EpochMeta, type RecordCounts, type WorldSnapshot } from '@persistd/contract';
import { CURRENT_SCHEMA_VERSION, SUPPORTED_SCHEMA_VERSIONS, validateSnapshot, type RuleViolation } from '../validate-snapshot';
import { COMPILED_MODULES } from '../owner-modules';
import { canonicalSections } from './canonical';
import { cutChunks, sha256Hex } from './chunks';
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
  // A newer schema may lay its sections out differently: that is for a newer daemon to judge,
  // and reporting it as damage would call an upgrade "data loss" (DESIGN §8). Absent chunks are
  // absent whatever the schema.
  const layoutKnown = meta.schemaVersion <= CURRENT_SCHEMA_VERSION;
  if (layoutKnown && (sections.length !== COMPILED_MODULES.length || COMPILED_MODULES.some((l, i) => sections[i].system !== l.entry.system))) {
    return finding('MISSING_COMPONENT', `meta of epoch ${epoch} does not list the five sections in restore order`);
  }
  for (const s of sections) {
    if (layoutKnown && s.chunkIds.length === 0) return finding('MISSING_COMPONENT', `meta of epoch ${epoch} lists no chunk for system ${s.system}`);
    const absent = s.chunkIds.find((id) => !stored.chunks.has(id));
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
  if (contentDigestOf(meta.contentVersion, sections) !== meta.contentDigest) return finding('DIGEST_MISMATCH', `content digest of epoch ${epoch} does not match its chunks`);
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
  const recut = canonicalSections(snapshot).map((s) => cutChunks(s));
  const strayed = recut.findIndex((s, i) => !sameIds(s.chunks.map((c) => c.id), meta.sections[i].chunkIds));
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
  COMPILED_MODULES.forEach(({ entry, sectionDesc }, i) => {
    const bytes = Buffer.concat(meta.sections[i].chunkIds.map((id) => stored.chunks.get(id)!));
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
