import { ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { WorldSnapshotSchema } from '@persistd/contract';
import { COMPILED_MODULES } from '../owner-modules';
import type { WireRequest } from './read-request';

/**
 * How large a request is where the daemon's input limits look (LIMIT_EXCEEDED): the UTF-8 bytes
 * of its longest string or map key, the most entries of one map, the most elements of one
 * repeated field — the same measures, over the same decoded values, as the limits' walk of the
 * typed message (limits/input-limits.ts). When each is within its limit, no limit can be broken
 * and the walk is not needed; otherwise decode typed and let the walk name the first breach.
 */
export interface WireExtent {
  maxStringBytes: number;
  maxMapEntries: number;
  maxListLength: number;
}

type Bag = Record<string, unknown>;

function valueOf(msg: Bag, field: DescField): unknown {
  if (!field.oneof) return msg[field.localName];
  const o = msg[field.oneof.localName] as { case?: string; value?: unknown } | undefined;
  return o?.case === field.localName ? o.value : undefined;
}

const isText = (f: DescField) => (f.fieldKind === 'scalar' || f.fieldKind === 'list' || f.fieldKind === 'map') && f.scalar === ScalarType.STRING;

/** Grows `ext` by a decoded message (fields in `skip` left out), as the limits' walk measures it. */
function measure(desc: DescMessage, msg: Bag, ext: WireExtent, skip?: ReadonlySet<DescField>): void {
  for (const field of desc.fields) {
    if (skip?.has(field)) continue;
    const value = valueOf(msg, field);
    if (value === undefined) continue;
    switch (field.fieldKind) {
      case 'scalar':
        if (field.scalar === ScalarType.STRING) ext.maxStringBytes = Math.max(ext.maxStringBytes, Buffer.byteLength(value as string, 'utf8'));
        break;
      case 'message':
        measure(field.message, value as Bag, ext);
        break;
      case 'list': {
        const list = value as unknown[];
        ext.maxListLength = Math.max(ext.maxListLength, list.length);
        for (const item of list) {
          if (field.listKind === 'message') measure(field.message, item as Bag, ext);
          else if (isText(field)) ext.maxStringBytes = Math.max(ext.maxStringBytes, Buffer.byteLength(item as string, 'utf8'));
        }
        break;
      }
      case 'map': {
        const map = value as Bag;
        const keys = Object.keys(map);
        ext.maxMapEntries = Math.max(ext.maxMapEntries, keys.length);
        for (const key of keys) {
          ext.maxStringBytes = Math.max(ext.maxStringBytes, Buffer.byteLength(key, 'utf8'));
          if (field.mapKind === 'message') measure(field.message, map[key] as Bag, ext);
          else if (isText(field)) ext.maxStringBytes = Math.max(ext.maxStringBytes, Buffer.byteLength(map[key] as string, 'utf8'));
        }
        break;
      }
    }
  }
}

const SECTION_FIELDS = new Set<DescField>(COMPILED_MODULES.map(({ sectionField }) => sectionField));

/**
 * The extent of a request read at wire level: canonical records as the scanner measured them
 * (their wire lengths are their decoded lengths: valid UTF-8, no byte-order mark, no repeated
 * map key), everything else — headers, records that went the typed way — measured decoded.
 */
export function wireExtent(read: WireRequest): WireExtent {
  const ext: WireExtent = { maxStringBytes: read.scanned.text, maxMapEntries: read.scanned.entries, maxListLength: read.scanned.list };
  measure(read.schema, read.header as unknown as Bag, ext);
  if (read.snapshot) measure(WorldSnapshotSchema, read.snapshot as unknown as Bag, ext, SECTION_FIELDS);
  COMPILED_MODULES.forEach(({ module, sectionDesc, recordsField }, k) => {
    const section = read.sections[k];
    if (!section.header) return;
    measure(sectionDesc, section.header as unknown as Bag, ext, new Set([recordsField]));
    ext.maxListLength = Math.max(ext.maxListLength, section.ids.length);
    section.starts.forEach((start, i) => {
      if (start < 0) measure(module.record, section.views[i], ext);
    });
  });
  return ext;
}
