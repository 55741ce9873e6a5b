import type { DescEnum } from '@bufbuild/protobuf';
import type { FieldRuleKind } from './owner-module';

/** Every id: world, player, zone, NPC, item, quest, template, account (DESIGN §4). */
export const ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;
/** Every map key. */
export const MAP_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9._-]{0,63}$/;
/**
 * The one key the pattern admits that no map can hold: protobuf-es decodes a map into a plain
 * object, where `obj['__proto__'] = v` sets the prototype or does nothing, so a record would
 * be stored without it. The decoded map never shows it: the wire census finds it in the bytes
 * (libs/validation wire-census.ts) and INVALID_FIELD refuses it there.
 */
export const UNHOLDABLE_MAP_KEY = '__proto__';
export const DISPLAY_NAME_MAX = 64;

/** Why a value breaks a rule, or undefined when it keeps it. `enumDesc` serves known-enum. */
export function breakOf(kind: FieldRuleKind, value: unknown, enumDesc?: DescEnum): string | undefined {
  switch (kind) {
    case 'id':
      return typeof value === 'string' && ID_PATTERN.test(value) ? undefined : `must match ${ID_PATTERN.source}`;
    case 'optional-id':
      return value === undefined || value === '' || (typeof value === 'string' && ID_PATTERN.test(value)) ? undefined : `must be empty or match ${ID_PATTERN.source}`;
    case 'display-name': {
      const n = typeof value === 'string' ? [...value].length : 0;
      return n >= 1 && n <= DISPLAY_NAME_MAX ? undefined : `must be 1-${DISPLAY_NAME_MAX} characters`;
    }
    case 'positive':
      return typeof value === 'number' && value >= 1 ? undefined : 'must be at least 1';
    case 'known-enum':
      return typeof value === 'number' && value !== 0 && enumDesc?.values.some((v) => v.number === value) ? undefined : 'must be a known value other than _UNSPECIFIED';
    case 'finite-vec3': {
      if (value === undefined) return undefined;
      const v = value as { x: number; y: number; z: number };
      return Number.isFinite(v.x) && Number.isFinite(v.y) && Number.isFinite(v.z) ? undefined : 'coordinates must be finite';
    }
    case 'map-keys': {
      const bad = Object.keys((value ?? {}) as object).filter((k) => !MAP_KEY_PATTERN.test(k));
      return bad.length === 0 ? undefined : `keys must match ${MAP_KEY_PATTERN.source}`;
    }
    case 'oneof-set':
      return value ? undefined : 'must be set';
  }
}
