import type { DescMessage } from '@bufbuild/protobuf';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';

/**
 * The `world_id` of a request read straight off the wire, without decoding the rest: authority
 * binds a principal to worlds, and a caller bound to world A must not make the daemon decode
 * (and pay for) a snapshot of world B. Top-level fields only; a length-delimited field is skipped
 * in O(1). As in a full decode, the last occurrence wins. Undefined when the bytes do not parse
 * at the top level (the full decode then answers MALFORMED_REQUEST).
 */
export function peekWorldId(desc: DescMessage, bytes: Uint8Array): string | undefined {
  const field = worldIdField(desc);
  let world = '';
  try {
    const reader = new BinaryReader(bytes);
    while (reader.pos < reader.len) {
      const [no, wireType] = reader.tag();
      if (no === field && wireType === WireType.LengthDelimited) world = reader.string();
      else reader.skip(wireType, no);
    }
  } catch {
    return undefined;
  }
  return world;
}

const fieldNumbers = new WeakMap<DescMessage, number>();

/** The field number of `world_id` in a request message; every PersistenceService request has one. */
export function worldIdField(desc: DescMessage): number {
  let no = fieldNumbers.get(desc);
  if (no === undefined) {
    const f = desc.fields.find((x) => x.name === 'world_id');
    if (!f || f.fieldKind !== 'scalar') throw new Error(`${desc.typeName} has no string world_id`);
    no = f.number;
    fieldNumbers.set(desc, no);
  }
  return no;
}
