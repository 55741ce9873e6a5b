import { OwnerSystem, QuestRecordSchema } from '@persistd/contract';
import type { OwnerModule } from '@persistd/ownership';

/** Quests are player-owned: each names the one player it belongs to. */
export const questModule: OwnerModule<typeof QuestRecordSchema> = {
  system: OwnerSystem.QUEST,
  record: QuestRecordSchema,
  idPath: ['quest_id'],
  references: [{ path: ['player_id'], target: OwnerSystem.PLAYER }],
  fieldRules: [
    { path: ['quest_id'], kind: 'id' },
    { path: ['player_id'], kind: 'id' },
    { path: ['template_id'], kind: 'id' },
    { path: ['status'], kind: 'known-enum' },
    { path: ['objectives'], kind: 'map-keys' },
  ],
  claims: [],
};
