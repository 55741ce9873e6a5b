import type { Message } from '@bufbuild/protobuf';
import type { OwnerSystem, WorldSnapshot } from '@persistd/contract';
import type { CompiledModule } from './compiled-module';
import type { SnapshotCheckInput } from './rule';

/** The header every section starts with (DESIGN §3). */
export interface SectionHeader {
  sourceEpoch: bigint;
  schemaVersion: number;
}

/** One system's section of the snapshot, read once for every rule (internal). */
export interface SystemRecords {
  readonly compiled: CompiledModule;
  /** Undefined when the snapshot or this section is absent (PARTIAL_SAVE). */
  readonly section: (Message & SectionHeader) | undefined;
  readonly records: readonly Message[];
  /** Raw id of each record, '' when unset. */
  readonly ids: readonly string[];
  /** How paths name each record: its raw id, or `#<index>` when the id is empty. */
  readonly labels: readonly string[];
  /** Every non-empty id, mapped to the index of its first record. */
  readonly idIndex: ReadonlyMap<string, number>;
  /** Non-empty ids held by more than one record, with every such record's index. */
  readonly repeated: ReadonlyMap<string, readonly number[]>;
}

/** Everything the rules read, prepared in one pass over the records (internal). */
export interface SnapshotContext {
  readonly input: SnapshotCheckInput;
  readonly snapshot: WorldSnapshot | undefined;
  /** In registry (restore) order: player, world, npc, item, quest. */
  readonly systems: readonly SystemRecords[];
  readonly bySystem: ReadonlyMap<OwnerSystem, SystemRecords>;
}

function readSystem(compiled: CompiledModule, snapshot: WorldSnapshot | undefined): SystemRecords {
  const section = snapshot ? ((snapshot as unknown as Record<string, unknown>)[compiled.sectionField.localName] as (Message & SectionHeader) | undefined) : undefined;
  const records = section ? ((section as unknown as Record<string, unknown>)[compiled.recordsField.localName] as Message[]) : [];
  const ids: string[] = new Array(records.length);
  const labels: string[] = new Array(records.length);
  const idIndex = new Map<string, number>();
  const repeated = new Map<string, number[]>();
  for (let i = 0; i < records.length; i++) {
    const id = idOf(compiled.readId(records[i]));
    ids[i] = id;
    labels[i] = id === '' ? `#${i}` : id;
    if (id === '') continue;
    const first = idIndex.get(id);
    if (first === undefined) {
      idIndex.set(id, i);
    } else {
      const seen = repeated.get(id);
      if (seen) seen.push(i);
      else repeated.set(id, [first, i]);
    }
  }
  return { compiled, section, records, ids, labels, idIndex, repeated };
}

/** A record's id as the rules see it: the raw value at the module's id path, '' when unset. */
export function idOf(raw: unknown): string {
  return typeof raw === 'string' ? raw : raw === undefined || typeof raw === 'symbol' ? '' : String(raw);
}

/** Reads every present section once: record ids, labels and id indexes for all the rules. */
export function buildContext(input: SnapshotCheckInput, modules: readonly CompiledModule[]): SnapshotContext {
  const systems = modules.map((m) => readSystem(m, input.snapshot));
  return { input, snapshot: input.snapshot, systems, bySystem: new Map(systems.map((s) => [s.compiled.entry.system, s])) };
}
