import { create, toBinary } from '@bufbuild/protobuf';
import { EpochMetaSchema, OwnerSystem, SectionManifestSchema } from '@persistd/contract';
import { sha256Hex } from './chunks';
import { contentDigestOf } from './digests';

/** The definition (DESIGN §5): SHA-256 of toBinary of an EpochMeta holding only these fields. */
function byToBinary(contentVersion: string, manifests: { system: OwnerSystem; chunkIds: string[] }[]): string {
  const sections = manifests.map((m) => create(SectionManifestSchema, m));
  return sha256Hex(toBinary(EpochMetaSchema, create(EpochMetaSchema, { contentVersion, sections })));
}

describe('contentDigestOf writes the bytes toBinary writes', () => {
  const hex = (n: number) => sha256Hex(Buffer.from(String(n)));
  it.each([
    ['five sections of hex ids', 'content-7', [1, 2, 3, 4, 5].map((s) => ({ system: s as OwnerSystem, chunkIds: Array.from({ length: 40 * s }, (_, i) => hex(s * 1000 + i)) }))],
    ['an empty content version and an unset system', '', [{ system: OwnerSystem.UNSPECIFIED, chunkIds: [hex(1)] }, { system: OwnerSystem.WORLD, chunkIds: [] }]],
    ['ids and a version beyond ASCII, and a section of 200 ids (a two-byte length)', 'vérsion-✓', [{ system: OwnerSystem.ITEM, chunkIds: ['ïd-ü', 'x'.repeat(200), '\u{1F600}'] }, { system: OwnerSystem.QUEST, chunkIds: Array.from({ length: 200 }, (_, i) => hex(i)) }]],
    ['a system outside the enum', 'v', [{ system: -3 as OwnerSystem, chunkIds: [hex(2)] }, { system: 300 as OwnerSystem, chunkIds: [hex(3)] }]],
  ])('%s', (_, contentVersion, manifests) => {
    expect(contentDigestOf(contentVersion, manifests)).toBe(byToBinary(contentVersion, manifests));
  });
});
