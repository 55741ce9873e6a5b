import { OwnerSystem, PlayerRecordSchema } from '@persistd/contract';
import type { OwnerModule } from '@persistd/ownership';

/**
 * Players own identity and PlayerSave. A player says which zone it stands in; it never embeds
 * items or quests (those say which player they belong to).
 */
export const playerModule: OwnerModule<typeof PlayerRecordSchema> = {
  system: OwnerSystem.PLAYER,
  record: PlayerRecordSchema,
  idPath: ['player_id'],
  references: [{ path: ['save', 'zone_id'], target: OwnerSystem.WORLD }],
  fieldRules: [
    { path: ['player_id'], kind: 'id' },
    { path: ['identity', 'account_id'], kind: 'id' },
    { path: ['identity', 'display_name'], kind: 'display-name' },
    { path: ['save', 'zone_id'], kind: 'id' },
    { path: ['save', 'position'], kind: 'finite-vec3' },
    { path: ['save', 'attributes'], kind: 'map-keys' },
  ],
  claims: [],
};
