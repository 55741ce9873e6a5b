import type { DescMessage } from '@bufbuild/protobuf';

/**
 * Every message type reachable from a record, itself excluded: single ownership means a record
 * never embeds another system's record (a player does not carry its items), which owner modules'
 * tests check with this.
 */
export function embeddedMessageTypes(desc: DescMessage): string[] {
  const seen = new Set<string>();
  const walk = (d: DescMessage) => {
    for (const f of d.fields) {
      const m = f.fieldKind === 'message' ? f.message : f.fieldKind === 'list' && f.listKind === 'message' ? f.message : f.fieldKind === 'map' && f.mapKind === 'message' ? f.message : undefined;
      if (m && !seen.has(m.typeName)) {
        seen.add(m.typeName);
        walk(m);
      }
    }
  };
  walk(desc);
  seen.delete(desc.typeName);
  return [...seen].sort();
}
