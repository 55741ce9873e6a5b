import type { DescField, DescMessage, DescOneof } from '@bufbuild/protobuf';

/**
 * A path of proto field names from a record message down to one value, e.g.
 * `['location', 'inventory', 'player_id']`. A oneof's name may be the last step: its value is
 * then the name of the case that is set.
 */
export type FieldPath = readonly string[];

/**
 * Returned for a path that runs through a oneof member other than the case that is set: the
 * rule or reference on it does not apply to this record (a ground item has no inventory slot).
 */
export const NOT_APPLICABLE: unique symbol = Symbol('not-applicable');

/**
 * A compiled path: reads the value at the path; undefined when a message on the way is unset,
 * NOT_APPLICABLE when another oneof case is set.
 */
export type PathReader = (record: object) => unknown;

type Step = { kind: 'field'; field: DescField } | { kind: 'oneof'; oneof: DescOneof };

function resolve(desc: DescMessage, path: FieldPath): Step[] {
  const steps: Step[] = [];
  let msg: DescMessage | undefined = desc;
  path.forEach((name, i) => {
    if (!msg) throw new Error(`field-path: ${path.join('.')} goes through a scalar at ${path[i - 1]}`);
    const field: DescField | undefined = msg.fields.find((f) => f.name === name);
    if (field) {
      steps.push({ kind: 'field', field });
      msg = field.fieldKind === 'message' ? field.message : undefined;
      return;
    }
    const oneof = msg.oneofs.find((o) => o.name === name);
    if (oneof && i === path.length - 1) {
      steps.push({ kind: 'oneof', oneof });
      return;
    }
    // A oneof's name before one of its members only documents the path: the member carries it.
    if (oneof && oneof.fields.some((f) => f.name === path[i + 1])) return;
    throw new Error(`field-path: ${desc.typeName} has no field ${path.slice(0, i + 1).join('.')}`);
  });
  return steps;
}

/**
 * Compiles a path against a message descriptor once, so reading it per record costs a few
 * property loads. Throws at start-up for a path the descriptor does not have.
 */
export function compilePath(desc: DescMessage, path: FieldPath): PathReader {
  const steps = resolve(desc, path);
  const [first] = steps;
  // Most paths are one plain field (an id, a reference): read it without the general walk.
  if (steps.length === 1 && first.kind === 'field' && !first.field.oneof) {
    const name = first.field.localName;
    return (record) => (record as Record<string, unknown>)[name];
  }
  return (record) => {
    let cur: unknown = record;
    for (const step of steps) {
      if (cur === undefined || cur === null) return undefined;
      const obj = cur as Record<string, unknown>;
      if (step.kind === 'oneof') {
        return (obj[step.oneof.localName] as { case?: string } | undefined)?.case;
      }
      const f = step.field;
      if (f.oneof) {
        const o = obj[f.oneof.localName] as { case?: string; value?: unknown } | undefined;
        if (o?.case !== f.localName) return NOT_APPLICABLE;
        cur = o.value;
      } else {
        cur = obj[f.localName];
      }
    }
    return cur;
  };
}

/** The path written with record ids, as violations name it: `items[i0001].location.inventory.player_id`. */
export function formatPath(section: string, recordId: string, path: FieldPath): string {
  return path.length === 0 ? `${section}[${recordId}]` : `${section}[${recordId}].${path.join('.')}`;
}
