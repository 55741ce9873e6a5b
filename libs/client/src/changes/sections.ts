import type { DescMessage } from '@bufbuild/protobuf';
import { ItemRecordSchema, NpcRecordSchema, PlayerRecordSchema, QuestRecordSchema, ZoneRecordSchema } from '@persistd/contract';

/** The five sections' names in a WorldSnapshot and in a WorldChanges (the same, DESIGN §3). */
export type SectionKey = 'players' | 'world' | 'npcs' | 'items' | 'quests';

/** Where one system's records sit and how they are named, on both the snapshot and the change set. */
export interface SectionShape {
  key: SectionKey;
  /** The repeated records field of the snapshot's section (`zones` for the world). */
  recordsField: string;
  schema: DescMessage;
  /** The record's id field. */
  idField: string;
}

/** The five systems in restore order; the one table the SDK's change sets read. */
export const SECTIONS: readonly SectionShape[] = [
  { key: 'players', recordsField: 'players', schema: PlayerRecordSchema, idField: 'playerId' },
  { key: 'world', recordsField: 'zones', schema: ZoneRecordSchema, idField: 'zoneId' },
  { key: 'npcs', recordsField: 'npcs', schema: NpcRecordSchema, idField: 'npcId' },
  { key: 'items', recordsField: 'items', schema: ItemRecordSchema, idField: 'itemId' },
  { key: 'quests', recordsField: 'quests', schema: QuestRecordSchema, idField: 'questId' },
];

/** A record's id, read through its section's shape. */
export function recordId(shape: SectionShape, record: unknown): string {
  return String((record as Record<string, unknown>)[shape.idField] ?? '');
}
