import { clone, ScalarType, toBinary, type DescField, type DescMessage, type Message } from '@bufbuild/protobuf';

type Bag = Record<string, unknown>;

const isFloat = (t: ScalarType) => t === ScalarType.DOUBLE || t === ScalarType.FLOAT;
const noNegZero = (v: unknown) => (Object.is(v, -0) ? 0 : v);

/**
 * Puts a message into DESIGN §5's canonical form in place: map keys ascending (code-unit order),
 * -0 written as 0, at every depth. The one canonicalization of persistd: the stored form, the
 * duplicate-record comparison, the request digest and the SDK's record digests all use it.
 */
export function canonicalizeInPlace(desc: DescMessage, msg: Bag): void {
  for (const field of desc.fields) {
    const value = valueOf(msg, field);
    if (value === undefined) continue;
    if (field.oneof) (msg[field.oneof.localName] as { value: unknown }).value = canonicalValue(field, value);
    else msg[field.localName] = canonicalValue(field, value);
  }
}

/** A field's value in `msg` (a oneof member's only when it is the case set); undefined when unset. */
function valueOf(msg: Bag, field: DescField): unknown {
  if (!field.oneof) return msg[field.localName];
  const o = msg[field.oneof.localName] as { case?: string; value?: unknown } | undefined;
  return o?.case === field.localName ? o.value : undefined;
}

function canonicalValue(field: DescField, value: unknown): unknown {
  switch (field.fieldKind) {
    case 'message':
      canonicalizeInPlace(field.message, value as Bag);
      return value;
    case 'scalar':
      return isFloat(field.scalar) ? noNegZero(value) : value;
    case 'enum':
      return value;
    case 'list': {
      const list = value as unknown[];
      if (field.listKind === 'message') list.forEach((m) => canonicalizeInPlace(field.message, m as Bag));
      else if (field.listKind === 'scalar' && isFloat(field.scalar)) return list.map(noNegZero);
      return list;
    }
    case 'map': {
      const map = value as Bag;
      const sorted: Bag = {};
      for (const key of Object.keys(map).sort()) {
        const v = map[key];
        if (field.mapKind === 'message') canonicalizeInPlace(field.message, v as Bag);
        sorted[key] = field.mapKind === 'scalar' && isFloat(field.scalar) ? noNegZero(v) : v;
      }
      return sorted;
    }
  }
}

/**
 * The canonical bytes of one record (DESIGN §5 at record level): map keys ascending, -0 as 0,
 * proto3 defaults omitted, unknown fields kept. Two records are the same datum exactly when these
 * bytes agree, whatever order their maps were filled in. The input is not modified.
 */
export function canonicalBytes(desc: DescMessage, message: Message): Uint8Array {
  // Most records arrive canonical (a game server fills its maps the same way each time): then
  // the copy would change nothing, and making it cost as much as encoding the record.
  if (isCanonical(desc, message as unknown as Bag)) return toBinary(desc, message as never);
  const copy = clone(desc, message as never) as unknown as Bag;
  canonicalizeInPlace(desc, copy);
  return toBinary(desc, copy as never);
}

/** Whether canonicalizeInPlace would leave `msg` as it is: every map's keys in the order it gives them, no -0, at every depth. */
function isCanonical(desc: DescMessage, msg: Bag): boolean {
  for (const field of desc.fields) {
    const value = valueOf(msg, field);
    if (value === undefined) continue;
    switch (field.fieldKind) {
      case 'message':
        if (!isCanonical(field.message, value as Bag)) return false;
        break;
      case 'scalar':
        if (isFloat(field.scalar) && Object.is(value, -0)) return false;
        break;
      case 'list': {
        const list = value as unknown[];
        if (field.listKind === 'message' && !list.every((m) => isCanonical(field.message, m as Bag))) return false;
        if (field.listKind === 'scalar' && isFloat(field.scalar) && list.some((v) => Object.is(v, -0))) return false;
        break;
      }
      case 'map': {
        const map = value as Bag;
        // The sorted copy iterates as JS orders an object's keys: array-index keys first,
        // ascending, then the others in insertion order — here ascending. So the map is as
        // canonicalization leaves it when its other keys already ascend.
        let previous: string | undefined;
        for (const key of Object.keys(map)) {
          const v = map[key];
          if (field.mapKind === 'message' && !isCanonical(field.message, v as Bag)) return false;
          if (field.mapKind === 'scalar' && isFloat(field.scalar) && Object.is(v, -0)) return false;
          if (isArrayIndex(key)) continue;
          if (previous !== undefined && previous > key) return false;
          previous = key;
        }
        break;
      }
    }
  }
  return true;
}

/** Whether JS orders `key` as an array index (a canonical uint32 below 2^32 - 1). */
function isArrayIndex(key: string): boolean {
  const n = Number(key);
  return n >>> 0 === n && n !== 4294967295 && String(n) === key;
}
