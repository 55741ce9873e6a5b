import { createHash } from 'node:crypto';
import type { DescMessage } from '@bufbuild/protobuf';
import { COMPILED_MODULES } from './owner-modules';
import { isRuntimeOnly } from './rules/runtime-walk';

/**
 * Which rules an epoch was checked under (DESIGN §5, recorded in EpochMeta.rules_version): a base
 * epoch's records may be trusted to pass the per-record rules only when it was checked under the
 * same ones. Raise RULES_REVISION whenever a rule accepts or refuses something it did not before.
 */
export const RULES_REVISION = 1;

/** Every field the descriptors mark runtime_only, by full name, sorted. */
function runtimeOnlyFields(): string[] {
  const out = new Set<string>();
  const seen = new Set<DescMessage>();
  const walk = (desc: DescMessage) => {
    if (seen.has(desc)) return;
    seen.add(desc);
    for (const field of desc.fields) {
      if (isRuntimeOnly(field)) out.add(`${desc.typeName}.${field.name}`);
      const nested = field.fieldKind === 'message' ? field.message : field.fieldKind === 'list' || field.fieldKind === 'map' ? (field.message ?? undefined) : undefined;
      if (nested) walk(nested);
    }
  };
  for (const { module } of COMPILED_MODULES) walk(module.record);
  return [...out].sort();
}

/**
 * The rules version: lowercase hex SHA-256 of the rules revision, the runtime_only markings and
 * the configured limits (by name, sorted), so the same daemon configuration always gives the
 * same value and any change to what is checked gives another.
 */
export function rulesVersionOf(limits: Readonly<Record<string, number>>): string {
  const described = JSON.stringify({
    rules: RULES_REVISION,
    runtimeOnly: runtimeOnlyFields(),
    limits: Object.keys(limits)
      .sort()
      .map((name) => [name, limits[name]]),
  });
  return createHash('sha256').update(described).digest('hex');
}
