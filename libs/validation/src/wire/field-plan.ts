import { ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { scalarZeroValue } from '@bufbuild/protobuf/reflect';
import { WireType } from '@bufbuild/protobuf/wire';
import type { FieldPath, OwnerModule } from '@persistd/ownership';
import { isRuntimeOnly } from '../rules/runtime-walk';

/**
 * Field tables for the wire-level reader, derived at start-up from the generated descriptors and
 * the owner modules' paths: no field number is written by hand. Each table says, per field
 * number, how the field is encoded in canonical form (DESIGN §5: the bytes `toBinary` writes for
 * a canonicalized message) and whether the light record view validation reads must hold it.
 * @internal
 */

/** How a field's value is written; a field of an encoding the scanner does not check is UNSUPPORTED (always re-encoded). */
export const Enc = {
  UINT32: 1,
  /** int32 and enums: a negative value is written as 10 bytes; the scanner leaves those to the typed path. */
  INT32: 2,
  INT64: 3,
  UINT64: 4,
  BOOL: 5,
  DOUBLE: 6,
  FLOAT: 7,
  STRING: 8,
  BYTES: 9,
  MESSAGE: 10,
  MAP: 11,
  MESSAGE_LIST: 12,
  UNSUPPORTED: 13,
} as const;
export type Enc = (typeof Enc)[keyof typeof Enc];

/** One field of a message table. */
export interface FieldPlan {
  readonly no: number;
  readonly enc: Enc;
  /** The one wire type toBinary writes the field with. */
  readonly wireType: WireType;
  /** Proto3 implicit presence: a zero value is omitted, so a written zero is not canonical. */
  readonly implicit: boolean;
  /** `(caelmor.persist.v1.runtime_only) = true`: present means the record goes the typed way (RUNTIME_STATE is judged there). */
  readonly runtimeOnly: boolean;
  /** Lists and maps: entries repeat, consecutively. */
  readonly repeats: boolean;
  /** Bit of the field's oneof among the message's oneofs (0 when not in a oneof). */
  readonly oneofBit: number;
  /** Bit of the field among the message's fields, for the set of fields present. */
  readonly presentBit: number;
  /** The view keeps this field's value. */
  readonly keep: boolean;
  /** View property: the field's localName, or its oneof's for a member. */
  readonly prop: string;
  /** Oneof members: the case name protobuf-es uses. */
  readonly caseName: string | undefined;
  /** Closed enums: the values that do not become unknown fields. */
  readonly closedEnum: ReadonlySet<number> | undefined;
  /** Messages, message lists, and map values of message type. */
  readonly message: MessagePlan | undefined;
  /** Maps: key and value encodings. */
  readonly mapKey: Enc;
  readonly mapValue: Enc;
  readonly mapValueWireType: WireType;
}

/** One message type as the scanner reads it, with the view it fills. */
export interface MessagePlan {
  readonly desc: DescMessage;
  /** Indexed by field number; undefined = unknown field. */
  readonly byNumber: readonly (FieldPlan | undefined)[];
  /** Defaults of every kept field (protobuf-es zero values), copied for each view; undefined when no view is kept. */
  readonly template: Readonly<Record<string, unknown>> | undefined;
}

/** Shared defaults a view reads but never writes: an unset oneof, an empty map or list. */
export const NO_CASE: Readonly<{ case: undefined }> = Object.freeze({ case: undefined });
const EMPTY_MAP = Object.freeze({});
const EMPTY_LIST = Object.freeze([]);

function scalarEnc(t: ScalarType): Enc {
  switch (t) {
    case ScalarType.UINT32:
      return Enc.UINT32;
    case ScalarType.INT32:
      return Enc.INT32;
    case ScalarType.INT64:
      return Enc.INT64;
    case ScalarType.UINT64:
      return Enc.UINT64;
    case ScalarType.BOOL:
      return Enc.BOOL;
    case ScalarType.DOUBLE:
      return Enc.DOUBLE;
    case ScalarType.FLOAT:
      return Enc.FLOAT;
    case ScalarType.STRING:
      return Enc.STRING;
    case ScalarType.BYTES:
      return Enc.BYTES;
    default:
      return Enc.UNSUPPORTED; // sint*, fixed*, sfixed*: not in the contract's records; re-encoded if ever present
  }
}

function wireTypeOf(enc: Enc): WireType {
  switch (enc) {
    case Enc.DOUBLE:
      return WireType.Bit64;
    case Enc.FLOAT:
      return WireType.Bit32;
    case Enc.STRING:
    case Enc.BYTES:
    case Enc.MESSAGE:
    case Enc.MAP:
    case Enc.MESSAGE_LIST:
      return WireType.LengthDelimited;
    default:
      return WireType.Varint;
  }
}

/** What validation reads below a field: nothing, some sub-fields, or all of it. */
interface Need {
  whole: boolean;
  readonly fields: Map<number, Need>;
}

const newNeed = (): Need => ({ whole: false, fields: new Map() });

/** Marks what one module path reads (the same resolution as compilePath: a oneof name documents or, last, asks for the case). */
function markPath(root: Need, desc: DescMessage, path: FieldPath): void {
  let need = root;
  let msg: DescMessage | undefined = desc;
  path.forEach((name, i) => {
    const last = i === path.length - 1;
    const field = msg?.fields.find((f) => f.name === name);
    if (field) {
      let child = need.fields.get(field.number);
      if (!child) need.fields.set(field.number, (child = newNeed()));
      if (last) child.whole = true;
      need = child;
      msg = field.fieldKind === 'message' ? field.message : undefined;
      return;
    }
    const oneof = msg?.oneofs.find((o) => o.name === name);
    if (!oneof) throw new Error(`wire: ${desc.typeName} has no field ${path.slice(0, i + 1).join('.')}`);
    if (!last) return;
    for (const member of oneof.fields) if (!need.fields.has(member.number)) need.fields.set(member.number, newNeed());
  });
}

/** Every path an owner module reads from its records. */
export function modulePaths(module: OwnerModule): FieldPath[] {
  return [module.idPath, ...module.references.map((r) => r.path), ...module.fieldRules.map((r) => r.path), ...module.claims.flatMap((c) => c.paths), ...(module.acyclic ? [module.acyclic] : [])];
}

function zeroOf(field: DescField): unknown {
  switch (field.fieldKind) {
    case 'scalar':
      return scalarZeroValue(field.scalar, field.longAsString);
    case 'enum':
      return field.enum.values[0]?.number ?? 0;
    case 'message':
      return undefined;
    case 'map':
      return EMPTY_MAP;
    case 'list':
      return EMPTY_LIST;
  }
}

/** FieldPresence.IMPLICIT in descriptor.proto's numbering (protobuf-es exposes the number). */
const IMPLICIT = 2;

function planField(field: DescField, index: number, oneofBits: Map<string, number>, need: Need | undefined, whole: boolean): FieldPlan {
  const keep = whole || need !== undefined;
  const keepBelow = whole || need?.whole === true;
  let enc: Enc;
  let message: MessagePlan | undefined;
  let mapKey: Enc = Enc.UNSUPPORTED;
  let mapValue: Enc = Enc.UNSUPPORTED;
  let closedEnum: ReadonlySet<number> | undefined;
  switch (field.fieldKind) {
    case 'scalar':
      enc = scalarEnc(field.scalar);
      break;
    case 'enum':
      enc = Enc.INT32;
      if (!field.enum.open) closedEnum = new Set(field.enum.values.map((v) => v.number));
      break;
    case 'message':
      enc = field.delimitedEncoding ? Enc.UNSUPPORTED : Enc.MESSAGE;
      message = planMessage(field.message, need, keepBelow);
      break;
    case 'list':
      enc = field.listKind === 'message' && !field.delimitedEncoding ? Enc.MESSAGE_LIST : Enc.UNSUPPORTED;
      if (field.listKind === 'message') message = planMessage(field.message, need, keepBelow);
      break;
    case 'map':
      enc = Enc.MAP;
      mapKey = field.mapKey === ScalarType.STRING ? Enc.STRING : Enc.UNSUPPORTED; // other key types are re-encoded
      if (field.mapKind === 'scalar') mapValue = scalarEnc(field.scalar);
      else if (field.mapKind === 'enum') mapValue = field.enum.open ? Enc.INT32 : Enc.UNSUPPORTED;
      else {
        mapValue = Enc.MESSAGE;
        message = planMessage(field.message, need, keepBelow);
      }
      break;
  }
  return {
    no: field.number,
    enc,
    wireType: wireTypeOf(enc),
    implicit: field.presence === IMPLICIT && field.oneof === undefined && field.fieldKind !== 'list' && field.fieldKind !== 'map',
    runtimeOnly: isRuntimeOnly(field),
    repeats: field.fieldKind === 'list' || field.fieldKind === 'map',
    oneofBit: field.oneof ? oneofBits.get(field.oneof.name)! : 0,
    presentBit: index < 31 ? 1 << index : 0,
    keep: keep && !isRuntimeOnly(field),
    prop: field.oneof ? field.oneof.localName : field.localName,
    caseName: field.oneof ? field.localName : undefined,
    closedEnum,
    message,
    mapKey,
    mapValue,
    mapValueWireType: wireTypeOf(mapValue),
  };
}

function planMessage(desc: DescMessage, need: Need | undefined, whole: boolean): MessagePlan {
  const oneofBits = new Map<string, number>(desc.oneofs.map((o, i) => [o.name, 1 << i]));
  if (desc.oneofs.length > 30) throw new Error(`wire: ${desc.typeName} has more oneofs than the scanner tracks`);
  const byNumber: (FieldPlan | undefined)[] = [];
  const template: Record<string, unknown> = {};
  let kept = false;
  desc.fields.forEach((field, index) => {
    const plan = planField(field, index, oneofBits, need?.fields.get(field.number), whole);
    byNumber[field.number] = plan;
    if (!plan.keep) return;
    kept = true;
    template[plan.prop] = field.oneof ? NO_CASE : zeroOf(field);
  });
  return { desc, byNumber, template: kept || whole || need !== undefined ? template : undefined };
}

/**
 * The field table of a record type: every field's canonical encoding, and a view that holds
 * exactly what the module's paths read (an id, references, field-rule values, claims), whole
 * where a path ends on a message or map (a Vec3, a map's keys). Built once, at start-up.
 */
export function recordPlan(module: OwnerModule): MessagePlan {
  const root = newNeed();
  for (const path of modulePaths(module)) markPath(root, module.record, path);
  return planMessage(module.record, root, false);
}
