import { NpcRecordSchema, OwnerSystem } from '@persistd/contract';
import type { OwnerModule } from '@persistd/ownership';

/** NPCs own their canon-persistable state; AI and targeting are runtime only and never persist. */
export const npcModule: OwnerModule<typeof NpcRecordSchema> = {
  system: OwnerSystem.NPC,
  record: NpcRecordSchema,
  idPath: ['npc_id'],
  references: [{ path: ['zone_id'], target: OwnerSystem.WORLD }],
  fieldRules: [
    { path: ['npc_id'], kind: 'id' },
    { path: ['template_id'], kind: 'id' },
    { path: ['zone_id'], kind: 'id' },
    { path: ['position'], kind: 'finite-vec3' },
    { path: ['flags'], kind: 'map-keys' },
  ],
  claims: [],
};
