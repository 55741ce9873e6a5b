import { create, toBinary } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { SaveRequestSchema, WorldSnapshotSchema, type SaveRequest } from '@persistd/contract';
import { COMPILED_MODULES } from '../owner-modules';
import { requestDigestHash } from '../request-digest';
import type { ChunkedSection } from '../stored-form/chunks';
import type { WireRequest } from '../wire/read-request';

const SNAPSHOT_FIELD = SaveRequestSchema.fields.find((f) => f.name === 'snapshot')!;

// The canonical request is written field by field in number order below, as toBinary writes it:
// the snapshot last in the request, the sections in restore order, the records last in each.
if (SaveRequestSchema.fields.some((f) => f.number > SNAPSHOT_FIELD.number)) throw new Error('save-request-digest: snapshot is not the last field of SaveRequest');
COMPILED_MODULES.forEach((m, k) => {
  if (k > 0 && m.sectionField.number <= COMPILED_MODULES[k - 1].sectionField.number) throw new Error('save-request-digest: sections are not in field order');
  if (m.sectionDesc.fields.some((f) => f.number > m.recordsField.number)) throw new Error(`save-request-digest: ${m.recordsField.name} is not the last field of ${m.sectionDesc.typeName}`);
});

const tagAndLength = (fieldNo: number, length: number) => new BinaryWriter().tag(fieldNo, WireType.LengthDelimited).uint32(length).finish();

/**
 * A Save's request digest (request-digest.ts): the canonical request — its own fields with
 * request_id left out, the snapshot's schema version, each section's stamps and its canonical
 * records in id order — without building it. A section's records are the concatenation of its
 * record chunks in either stored form (a chunk is the records' field entries alone), so the
 * digest is fed the chunks the save just cut: it does not depend on where they were cut, and the
 * request bytes are not read again. Call it on a Save that passed every rule (all five sections
 * present, no unknown fields), with the sections prepareWireEpoch cut from the same read.
 */
export function saveRequestDigest(read: WireRequest, sections: readonly ChunkedSection[]): string {
  const header = read.header as SaveRequest;
  const own = toBinary(SaveRequestSchema, create(SaveRequestSchema, { worldId: header.worldId, expectedEpoch: header.expectedEpoch, source: header.source }));
  const schema = toBinary(WorldSnapshotSchema, create(WorldSnapshotSchema, { schemaVersion: read.snapshot!.schemaVersion }));
  const parts = COMPILED_MODULES.map((m, k) => {
    const stamps = toBinary(m.sectionDesc, { ...read.sections[k].header!, [m.recordsField.localName]: [] } as never);
    const records = sections[k].chunks.reduce((n, c) => n + c.bytes.byteLength, 0);
    return { lead: tagAndLength(m.sectionField.number, stamps.byteLength + records), stamps, chunks: sections[k].chunks };
  });
  const snapshotLength = schema.byteLength + parts.reduce((n, p) => n + p.lead.byteLength + p.stamps.byteLength + p.chunks.reduce((s, c) => s + c.bytes.byteLength, 0), 0);
  const hash = requestDigestHash('Save').update(own).update(tagAndLength(SNAPSHOT_FIELD.number, snapshotLength)).update(schema);
  for (const p of parts) {
    hash.update(p.lead).update(p.stamps);
    for (const c of p.chunks) hash.update(c.bytes);
  }
  return hash.digest('hex');
}
