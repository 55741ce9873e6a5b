import { getOption, hasOption, isFieldSet, type DescField, type DescMessage, type Message } from '@bufbuild/protobuf';
import { runtime_only } from '@persistd/contract';

interface PlannedField {
  readonly field: DescField;
  /** How the field appears in a path: its name, after its oneof's name for a oneof member. */
  readonly segment: string;
}

/** What the walk looks at in one message type, worked out once per descriptor (internal). */
export interface WalkPlan {
  /** Fields marked `(caelmor.persist.v1.runtime_only) = true`: set means RUNTIME_STATE. */
  readonly runtimeOnly: readonly PlannedField[];
  /** Fields that hold messages (singular, repeated, map values), to walk into. */
  readonly nested: readonly PlannedField[];
}

const plans = new Map<DescMessage, WalkPlan>();

/** True when the descriptor marks the field runtime only. */
export function isRuntimeOnly(field: DescField): boolean {
  return hasOption(field, runtime_only) && getOption(field, runtime_only) === true;
}

/** The walk plan of a message type, computed on first use and kept. */
export function walkPlan(desc: DescMessage): WalkPlan {
  let plan = plans.get(desc);
  if (plan) return plan;
  const runtimeOnly: PlannedField[] = [];
  const nested: PlannedField[] = [];
  for (const field of desc.fields) {
    const segment = field.oneof ? `${field.oneof.name}.${field.name}` : field.name;
    if (isRuntimeOnly(field)) {
      runtimeOnly.push({ field, segment }); // reported as a whole; nothing inside it matters
      continue;
    }
    const holdsMessages =
      field.fieldKind === 'message' || (field.fieldKind === 'list' && field.listKind === 'message') || (field.fieldKind === 'map' && field.mapKind === 'message');
    if (holdsMessages) nested.push({ field, segment });
  }
  plan = { runtimeOnly, nested };
  plans.set(desc, plan);
  return plan;
}

/** A finding of the walk: where, and what (message text without the path). */
export type RuntimeHit = (path: string, message: string) => void;

type Bag = Record<string, unknown>;

/** The value of a field as protobuf-es stores it (a oneof member only when its case is set). */
function valueOf(msg: Bag, field: DescField): unknown {
  if (!field.oneof) return msg[field.localName];
  const o = msg[field.oneof.localName] as { case?: string; value?: unknown } | undefined;
  return o?.case === field.localName ? o.value : undefined;
}

function unknownNumbers(msg: Message): number[] {
  const unknown = msg.$unknown;
  if (!unknown || unknown.length === 0) return [];
  return [...new Set(unknown.map((u) => u.no))].sort((a, b) => a - b);
}

function walk(desc: DescMessage, msg: Message, path: string, skip: ReadonlySet<DescField> | undefined, hit: RuntimeHit): void {
  const plan = walkPlan(desc);
  if (msg.$unknown !== undefined && msg.$unknown.length > 0) {
    const numbers = unknownNumbers(msg);
    const s = numbers.length === 1 ? '' : 's';
    hit(path, `carries unknown field${s} ${numbers.join(', ')} (not in ${desc.typeName}): runtime or foreign state never persists`);
  }
  for (const { field, segment } of plan.runtimeOnly) {
    if (isFieldSet(msg, field)) hit(`${path}.${segment}`, `${segment} is runtime only (${desc.typeName}.${field.name}) and never persists`);
  }
  for (const { field, segment } of plan.nested) {
    if (skip !== undefined && skip.has(field)) continue;
    const value = valueOf(msg as unknown as Bag, field);
    if (value === undefined) continue;
    switch (field.fieldKind) {
      case 'message':
        walk(field.message, value as Message, `${path}.${segment}`, undefined, hit);
        break;
      case 'list': {
        const list = value as Message[];
        for (let i = 0; i < list.length; i++) walk(field.message!, list[i], `${path}.${segment}[${i}]`, undefined, hit);
        break;
      }
      case 'map':
        for (const [key, item] of Object.entries(value as Record<string, Message>)) walk(field.message!, item, `${path}.${segment}[${key}]`, undefined, hit);
        break;
    }
  }
}

/**
 * Walks a message and everything it holds by its descriptor (protobuf-es reflection: field
 * descriptors, `isFieldSet`, `$unknown`), reporting every set runtime-only field and every
 * message carrying unknown fields. Messages are read as they are, without reflect() wrappers
 * (two Maps each: 2-3x slower on a large world). Fields in `skip` (sections, record lists) are
 * walked by the caller, which names their records by id.
 */
export function findRuntimeState(desc: DescMessage, message: Message, path: string, hit: RuntimeHit, skip?: ReadonlySet<DescField>): void {
  walk(desc, message, path, skip, hit);
}
