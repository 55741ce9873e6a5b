import { ItemRecordSchema, OwnerSystem } from '@persistd/contract';
import type { OwnerModule } from '@persistd/ownership';

/**
 * Items own ownership and location: every item says where it is (a player's inventory slot, the
 * ground of a zone, or an NPC's hands), and one inventory slot holds at most one item.
 */
export const itemModule: OwnerModule<typeof ItemRecordSchema> = {
  system: OwnerSystem.ITEM,
  record: ItemRecordSchema,
  idPath: ['item_id'],
  references: [
    { path: ['location', 'inventory', 'player_id'], target: OwnerSystem.PLAYER },
    { path: ['location', 'ground', 'zone_id'], target: OwnerSystem.WORLD },
    { path: ['location', 'held_by_npc', 'npc_id'], target: OwnerSystem.NPC },
  ],
  fieldRules: [
    { path: ['item_id'], kind: 'id' },
    { path: ['template_id'], kind: 'id' },
    { path: ['quantity'], kind: 'positive' },
    { path: ['location'], kind: 'oneof-set' },
    { path: ['location', 'inventory', 'player_id'], kind: 'id' },
    { path: ['location', 'ground', 'zone_id'], kind: 'id' },
    { path: ['location', 'ground', 'position'], kind: 'finite-vec3' },
    { path: ['location', 'held_by_npc', 'npc_id'], kind: 'id' },
  ],
  claims: [{ name: 'inventory slot', paths: [['location', 'inventory', 'player_id'], ['location', 'inventory', 'slot']] }],
};
