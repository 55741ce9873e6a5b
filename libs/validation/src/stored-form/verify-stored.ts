import { create, fromBinary } from '@bufbuild/protobuf';
import { StateSource, WorldSnapshotSchema, type EpochMeta, type WorldSnapshot } from '@persistd/contract';
import { CURRENT_SCHEMA_VERSION, SUPPORTED_SCHEMA_VERSIONS, validateSnapshot, type RuleViolation } from '../validate-snapshot';
import { SECTION_LAYOUT } from './canonical';
import { sha256Hex } from './chunks';
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
 * (full) the structural rules. Nothing is inferred or repaired. Undefined means intact.
 */
export function verifyStoredEpoch(stored: StoredEpochView, mode: VerifyMode): StoredFinding | undefined {
  const { meta } = stored;
  const sections = meta.sections;
  if (sections.length !== SECTION_LAYOUT.length || SECTION_LAYOUT.some((l, i) => sections[i].system !== l.entry.system)) {
    return finding('MISSING_COMPONENT', `meta of epoch ${stored.epoch} does not list the five sections in restore order`);
  }
  for (const s of sections) {
    if (s.chunkIds.length === 0) return finding('MISSING_COMPONENT', `meta of epoch ${stored.epoch} lists no chunk for system ${s.system}`);
    const absent = s.chunkIds.find((id) => !stored.chunks.has(id));
    if (absent) return finding('MISSING_COMPONENT', `chunk ${absent} of epoch ${stored.epoch} is absent`);
  }
  if (meta.schemaVersion > CURRENT_SCHEMA_VERSION || (meta.schemaVersion !== 0 && !SUPPORTED_SCHEMA_VERSIONS.includes(meta.schemaVersion))) {
    return finding('UNSUPPORTED_VERSION', `epoch ${stored.epoch} is stored under schema ${meta.schemaVersion}; this daemon reads ${SUPPORTED_SCHEMA_VERSIONS.join(', ')}`);
  }
  if (meta.schemaVersion === 0) return finding('MIXED_VERSION', `meta of epoch ${stored.epoch} carries no schema version`);
  if (meta.epoch !== stored.epoch) return finding('MIXED_EPOCH', `meta stored as epoch ${stored.epoch} says epoch ${meta.epoch}`);
  if (meta.worldId !== stored.worldId) return finding('MIXED_EPOCH', `meta stored under world ${stored.worldId} says world ${meta.worldId}`);
  for (const [id, bytes] of stored.chunks) {
    if (sha256Hex(bytes) !== id) return finding('DIGEST_MISMATCH', `chunk ${id} does not hash to its id`);
  }
  if (contentDigestOf(meta.contentVersion, sections) !== meta.contentDigest) return finding('DIGEST_MISMATCH', `content digest of epoch ${stored.epoch} does not match its chunks`);
  if (metaDigestOf(meta) !== meta.digest) return finding('DIGEST_MISMATCH', `meta of epoch ${stored.epoch} does not hash to its digest`);
  if (mode === 'digest') return undefined;

  const snapshot = decodeStoredSnapshot(stored);
  const recounted = countsOf(SECTION_LAYOUT.map(({ entry }) => ({ system: entry.system, records: recordsOf(snapshot, entry.section, entry.recordField).length })));
  const c = meta.counts;
  if (!c || c.players !== recounted.players || c.zones !== recounted.zones || c.npcs !== recounted.npcs || c.items !== recounted.items || c.quests !== recounted.quests) {
    return finding('MISSING_COMPONENT', `record counts of epoch ${stored.epoch} disagree with its chunks`);
  }
  const violations = validateSnapshot({ worldId: stored.worldId, expectedEpoch: stored.epoch, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot });
  if (violations.length > 0) return { code: violations[0].code, message: `epoch ${stored.epoch} breaks ${violations.length} structural rule(s)`, violations };
  return undefined;
}

function recordsOf(snapshot: WorldSnapshot, section: string, recordField: string): unknown[] {
  return ((snapshot as unknown as Record<string, Record<string, unknown[]>>)[section]?.[recordField] ?? []) as unknown[];
}

/**
 * Decodes a stored epoch into the snapshot it restores to (every section stamped with the
 * epoch and the meta's schema version): for full verification and the validation CLI, never on
 * the restore path.
 */
export function decodeStoredSnapshot(stored: StoredEpochView): WorldSnapshot {
  const { meta } = stored;
  const snapshot = create(WorldSnapshotSchema, { schemaVersion: meta.schemaVersion });
  SECTION_LAYOUT.forEach(({ entry, sectionDesc }, i) => {
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
