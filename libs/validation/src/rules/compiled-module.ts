import type { DescEnum, DescField, DescMessage } from '@bufbuild/protobuf';
import { OwnerSystem, WorldSnapshotSchema } from '@persistd/contract';
import {
  compilePath,
  OWNER_SYSTEMS,
  type ExclusiveClaim,
  type FieldPath,
  type FieldRule,
  type OwnerEntry,
  type OwnerModule,
  type PathReader,
  type Reference,
} from '@persistd/ownership';

/** A field rule with its path compiled and, for known-enum, the enum it checks against. */
export interface CompiledFieldRule {
  readonly rule: FieldRule;
  readonly read: PathReader;
  readonly enumDesc?: DescEnum;
}

export interface CompiledReference {
  readonly ref: Reference;
  readonly read: PathReader;
}

export interface CompiledClaim {
  readonly claim: ExclusiveClaim;
  readonly reads: readonly PathReader[];
  /** Where an overlap is reported: the claim paths' common prefix (`location.inventory`), or the record. */
  readonly at: FieldPath;
}

/**
 * An owner module joined with its registry entry and the descriptors of its section, every path
 * compiled once (internal). Built at start-up; a path the descriptor lacks throws there.
 */
export interface CompiledModule {
  readonly module: OwnerModule;
  readonly entry: OwnerEntry;
  /** `WorldSnapshot.<section>` and the section's message type. */
  readonly sectionField: DescField;
  readonly sectionDesc: DescMessage;
  /** `<Section>.<recordField>`, the repeated record field, and the record's message type. */
  readonly recordsField: DescField;
  readonly recordDesc: DescMessage;
  readonly readId: PathReader;
  readonly fieldRules: readonly CompiledFieldRule[];
  readonly references: readonly CompiledReference[];
  readonly claims: readonly CompiledClaim[];
  readonly acyclic?: PathReader;
}

/** The field a path ends on (undefined when it ends on a oneof's name). */
function leafField(desc: DescMessage, path: FieldPath): DescField | undefined {
  let msg: DescMessage | undefined = desc;
  let leaf: DescField | undefined;
  for (const name of path) {
    const field: DescField | undefined = msg?.fields.find((f) => f.name === name);
    if (!field) {
      leaf = undefined; // a oneof's name: documents the path, its member follows
      continue;
    }
    leaf = field;
    msg = field.fieldKind === 'message' ? field.message : undefined;
  }
  return leaf;
}

function commonPrefix(paths: readonly FieldPath[]): FieldPath {
  if (paths.length === 0) return [];
  const first = paths[0];
  let n = first.length;
  for (const p of paths) {
    let i = 0;
    while (i < n && i < p.length && p[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n);
}

function compileOne(module: OwnerModule, entry: OwnerEntry): CompiledModule {
  const sectionField = WorldSnapshotSchema.fields.find((f) => f.name === entry.section);
  if (sectionField?.fieldKind !== 'message') throw new Error(`validation: WorldSnapshot has no section ${entry.section}`);
  const recordsField = sectionField.message.fields.find((f) => f.name === entry.recordField);
  if (recordsField?.fieldKind !== 'list' || recordsField.listKind !== 'message') {
    throw new Error(`validation: ${sectionField.message.typeName} has no repeated ${entry.recordField}`);
  }
  if (recordsField.message.typeName !== module.record.typeName) {
    throw new Error(`validation: the ${entry.name} module persists ${module.record.typeName}, its section holds ${recordsField.message.typeName}`);
  }
  const desc = module.record;
  return {
    module,
    entry,
    sectionField,
    sectionDesc: sectionField.message,
    recordsField,
    recordDesc: desc,
    readId: compilePath(desc, module.idPath),
    fieldRules: module.fieldRules.map((rule) => {
      const leaf = rule.kind === 'known-enum' ? leafField(desc, rule.path) : undefined;
      if (rule.kind === 'known-enum' && leaf?.fieldKind !== 'enum') {
        throw new Error(`validation: known-enum rule on ${desc.typeName}.${rule.path.join('.')}, which is not an enum`);
      }
      return { rule, read: compilePath(desc, rule.path), enumDesc: leaf?.fieldKind === 'enum' ? leaf.enum : undefined };
    }),
    references: module.references.map((ref) => ({ ref, read: compilePath(desc, ref.path) })),
    claims: module.claims.map((claim) => ({ claim, reads: claim.paths.map((p) => compilePath(desc, p)), at: commonPrefix(claim.paths) })),
    acyclic: module.acyclic ? compilePath(desc, module.acyclic) : undefined,
  };
}

/**
 * Compiles one module per registry entry, in registry (restore) order. Throws at start-up when
 * a system has no module or two, a module persists another record type than its section holds,
 * or a reference targets a system outside the registry.
 */
export function compileModules(modules: readonly OwnerModule[]): CompiledModule[] {
  const known = new Set<OwnerSystem>(OWNER_SYSTEMS.map((e) => e.system));
  for (const m of modules) {
    if (!known.has(m.system)) throw new Error(`validation: module for ${m.system}, which is not an owner system`);
    for (const r of m.references) {
      if (!known.has(r.target)) throw new Error(`validation: ${m.record.typeName} references ${r.target}, which is not an owner system`);
    }
  }
  return OWNER_SYSTEMS.map((entry) => {
    const mine = modules.filter((m) => m.system === entry.system);
    if (mine.length !== 1) throw new Error(`validation: ${mine.length} modules for the ${entry.name} system, expected 1`);
    return compileOne(mine[0], entry);
  });
}
