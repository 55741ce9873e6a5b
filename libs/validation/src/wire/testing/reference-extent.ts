import { ScalarType, type DescMessage, type Message } from '@bufbuild/protobuf';
import { isReflectList, isReflectMap, isReflectMessage, reflect, type ReflectMessage } from '@bufbuild/protobuf/reflect';
import type { WireExtent } from '../wire-extent';

/**
 * Test support: the extent of a typed-decoded message, walked through protobuf-es reflection (a
 * second, independent reading of what input limits measure: every set string, map key, string
 * map value; every map's entries; every list's length).
 */
export function referenceExtent(desc: DescMessage, message: Message): WireExtent {
  const ext: WireExtent = { maxStringBytes: 0, maxMapEntries: 0, maxListLength: 0 };
  const text = (v: unknown) => {
    if (typeof v === 'string') ext.maxStringBytes = Math.max(ext.maxStringBytes, Buffer.byteLength(v, 'utf8'));
  };
  const walk = (m: ReflectMessage) => {
    for (const f of m.fields) {
      if (!m.isSet(f)) continue;
      const v = m.get(f);
      if (isReflectMessage(v)) walk(v);
      else if (isReflectList(v)) {
        ext.maxListLength = Math.max(ext.maxListLength, v.size);
        for (const item of v) {
          if (isReflectMessage(item)) walk(item);
          else text(item);
        }
      } else if (isReflectMap(v)) {
        ext.maxMapEntries = Math.max(ext.maxMapEntries, v.size);
        for (const [key, item] of v) {
          text(String(key));
          if (isReflectMessage(item)) walk(item);
          else if (f.fieldKind === 'map' && f.scalar === ScalarType.STRING) text(item);
        }
      } else if (f.fieldKind === 'scalar' && f.scalar === ScalarType.STRING) text(v);
    }
  };
  walk(reflect(desc, message));
  return ext;
}
