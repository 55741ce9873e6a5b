import type { DescMessage } from '@bufbuild/protobuf';
import type { OwnerSystem } from '@persistd/contract';
import type { FieldPath } from './field-path';

/**
 * Field rules (DESIGN §4, INVALID_FIELD) an owner module may put on a path of its records.
 * Each kind's predicate lives in field-rules.ts; the module only says where it applies.
 */
export type FieldRuleKind =
  | 'id' // ^[A-Za-z0-9._-]{1,128}$
  | 'optional-id' // empty, or an id
  | 'display-name' // 1-64 characters
  | 'positive' // >= 1
  | 'known-enum' // a value the enum declares, other than _UNSPECIFIED
  | 'finite-vec3' // every coordinate finite (an unset Vec3 is the origin)
  | 'map-keys' // every key ^[A-Za-z_][A-Za-z0-9._-]{0,63}$
  | 'oneof-set'; // the oneof at the path has a case

export interface FieldRule {
  path: FieldPath;
  kind: FieldRuleKind;
}

/** A field that names a record of another system (or of its own); never inferred if absent. */
export interface Reference {
  path: FieldPath;
  target: OwnerSystem;
  /** An empty value means "no reference" (a top-level zone's parent). */
  optional?: boolean;
}

/**
 * A datum a record claims exclusively: no two records of the system may claim the same tuple
 * (two items in one inventory slot of one player). Records missing any part claim nothing.
 */
export interface ExclusiveClaim {
  name: string;
  paths: FieldPath[];
}

/**
 * What an owner system persists, as data over the generated descriptors: the same description
 * drives the typed checks and any reader of the wire form.
 */
export interface OwnerModule<Desc extends DescMessage = DescMessage> {
  system: OwnerSystem;
  /** The record message this system persists. */
  record: Desc;
  /** Path to the record's id; records are canonically ordered by it. */
  idPath: FieldPath;
  references: readonly Reference[];
  fieldRules: readonly FieldRule[];
  claims: readonly ExclusiveClaim[];
  /**
   * A reference within the system that must not loop (a zone's parent chain). A cycle is one
   * datum claimed twice: OWNERSHIP_OVERLAP.
   */
  acyclic?: FieldPath;
}
