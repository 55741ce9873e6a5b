import { ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';

/**
 * The configured bounds on a decoded request (DESIGN §4 `LIMIT_EXCEEDED`): what the field rules
 * leave open. Ids are already held to 128 characters by the field rules; everything else is
 * bounded here. Message size is grpc-js's own bound (PERSISTD_MAX_MESSAGE_BYTES), in-flight bytes
 * the daemon's InflightBudget.
 *
 * This walk over a decoded message is the measure: it decides and names every breach. The
 * wire-level pre-checks (wire/wire-census.ts before a request is read, wire/wire-extent.ts after)
 * only decide sooner or more cheaply, and a property test holds them to this walk.
 */
export interface InputLimits {
  /** PERSISTD_MAX_RECORDS_PER_SECTION: elements of any repeated field. */
  maxRecordsPerSection: number;
  /** PERSISTD_MAX_STRING_BYTES: UTF-8 bytes of any string value or map key. */
  maxStringBytes: number;
  /** PERSISTD_MAX_MAP_ENTRIES: entries of any one map. */
  maxMapEntries: number;
}

/** The `metadata.limit` names of the bounds on a request's content. */
export type InputLimitName = 'max_records_per_section' | 'max_string_bytes' | 'max_map_entries';

/** One bound broken: which, where (proto field names, list indexes, map keys), by how much. */
export interface LimitBreach {
  limit: InputLimitName;
  max: number;
  actual: number;
  field: string;
}

/** The first breach in field order, depth first (a list's length before its elements), or undefined; the same input always names the same breach. */
export function firstLimitBreach(desc: DescMessage, message: object, limits: InputLimits): LimitBreach | undefined {
  const found = walk(desc, message as Record<string, unknown>, limits);
  return found && { limit: found.limit, max: found.max, actual: found.actual, field: found.path.join('') };
}

/** A breach on its way up: the path is assembled only when there is one (the walk itself builds no strings). */
interface Found extends Omit<LimitBreach, 'field'> {
  path: string[];
}

/** The fields of a message that a limit can apply to, found once per message type. */
type Planned = { field: DescField; read: (msg: Record<string, unknown>) => unknown };
const plans = new WeakMap<DescMessage, Planned[]>();

function planOf(desc: DescMessage): Planned[] {
  let plan = plans.get(desc);
  if (!plan) {
    plan = desc.fields
      .filter((f) => f.fieldKind === 'message' || f.fieldKind === 'list' || f.fieldKind === 'map' || (f.fieldKind === 'scalar' && f.scalar === ScalarType.STRING))
      .map((field) => {
        const oneof = field.oneof;
        const read = oneof
          ? (msg: Record<string, unknown>) => {
              const o = msg[oneof.localName] as { case?: string; value?: unknown } | undefined;
              return o?.case === field.localName ? o.value : undefined;
            }
          : (msg: Record<string, unknown>) => msg[field.localName];
        return { field, read };
      });
    plans.set(desc, plan);
  }
  return plan;
}

function walk(desc: DescMessage, msg: Record<string, unknown>, limits: InputLimits): Found | undefined {
  for (const { field, read } of planOf(desc)) {
    const value = read(msg);
    if (value === undefined) continue;
    const found = checkField(field, value, limits);
    if (found) {
      found.path.unshift(field.name);
      return found;
    }
  }
  return undefined;
}

const within = (found: Found | undefined, segment: string): Found | undefined => {
  if (found) found.path.unshift(segment);
  return found;
};

function checkField(field: DescField, value: unknown, limits: InputLimits): Found | undefined {
  switch (field.fieldKind) {
    case 'scalar':
      return checkString(value as string, limits);
    case 'message':
      return within(walk(field.message, value as Record<string, unknown>, limits), '.');
    case 'list': {
      const list = value as readonly unknown[];
      if (list.length > limits.maxRecordsPerSection) return { limit: 'max_records_per_section', max: limits.maxRecordsPerSection, actual: list.length, path: [] };
      if (field.listKind === 'message') {
        for (let i = 0; i < list.length; i++) {
          const found = walk(field.message, list[i] as Record<string, unknown>, limits);
          if (found) return within(found, `[${i}].`);
        }
      } else if (field.listKind === 'scalar' && field.scalar === ScalarType.STRING) {
        for (let i = 0; i < list.length; i++) {
          const found = checkString(list[i] as string, limits);
          if (found) return within(found, `[${i}]`);
        }
      }
      return undefined;
    }
    case 'map': {
      const map = value as Record<string, unknown>;
      const keys = Object.keys(map);
      if (keys.length > limits.maxMapEntries) return { limit: 'max_map_entries', max: limits.maxMapEntries, actual: keys.length, path: [] };
      for (const key of keys) {
        const onKey = checkString(key, limits);
        if (onKey) return within(onKey, '.key');
        const found =
          field.mapKind === 'message'
            ? within(walk(field.message, map[key] as Record<string, unknown>, limits), '.')
            : field.mapKind === 'scalar' && field.scalar === ScalarType.STRING
              ? checkString(map[key] as string, limits)
              : undefined;
        if (found) return within(found, `[${key}]`);
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

function checkString(s: string, limits: InputLimits): Found | undefined {
  const max = limits.maxStringBytes;
  // UTF-8 never takes more than three bytes per UTF-16 code unit: short strings need no count.
  if (s.length * 3 <= max) return undefined;
  const bytes = Buffer.byteLength(s, 'utf8');
  return bytes > max ? { limit: 'max_string_bytes', max, actual: bytes, path: [] } : undefined;
}
