import type { DescField, DescMessage } from '@bufbuild/protobuf';
import { WorldChangesSchema, type SaveChangesRequest } from '@persistd/contract';
import { COMPILED_MODULES } from '../owner-modules';
import type { CompiledModule } from '../rules/compiled-module';

/**
 * Where each system's changes sit in a SaveChangesRequest (DESIGN §3): `WorldChanges.<section>`
 * carries the same name as `WorldSnapshot.<section>`, with stamps, upserts, deletes and the
 * expectations. Read from the descriptors once, in restore order, beside the compiled module.
 */
export interface ChangesLayout {
  readonly compiled: CompiledModule;
  /** `WorldChanges.<section>` and its message type (`ItemChanges`, …). */
  readonly changesField: DescField;
  readonly changesDesc: DescMessage;
  /** The field number of the record's id (the first name of the module's id path). */
  readonly idFieldNo: number;
}

/** What every `*Changes` message holds, whichever system. */
export interface SectionChanges {
  sourceEpoch: bigint;
  schemaVersion: number;
  upserts: Record<string, unknown>[];
  deletes: string[];
  expectedCount?: number;
  expectedDigest: string;
  /** ZoneChanges only. */
  worldId?: string;
  contentVersion?: string;
}

function layoutOf(compiled: CompiledModule): ChangesLayout {
  const changesField = WorldChangesSchema.fields.find((f) => f.name === compiled.entry.section);
  if (changesField?.fieldKind !== 'message') throw new Error(`change-set: WorldChanges has no ${compiled.entry.section}`);
  const idField = compiled.recordDesc.fields.find((f) => f.name === compiled.module.idPath[0]);
  if (!idField || compiled.module.idPath.length !== 1) throw new Error(`change-set: ${compiled.recordDesc.typeName}'s id is not a top-level field`);
  return { compiled, changesField, changesDesc: changesField.message, idFieldNo: idField.number };
}

/** One layout per owner system, in restore order. */
export const CHANGES_LAYOUT: readonly ChangesLayout[] = COMPILED_MODULES.map(layoutOf);

/** A system's changes in the request, undefined when that section of the change set is absent. */
export function sectionChanges(req: SaveChangesRequest, layout: ChangesLayout): SectionChanges | undefined {
  const changes = req.changes as unknown as Record<string, SectionChanges | undefined> | undefined;
  return changes?.[layout.changesField.localName];
}
