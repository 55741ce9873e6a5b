import { OwnerSystem, ZoneRecordSchema } from '@persistd/contract';
import type { OwnerModule } from '@persistd/ownership';

/**
 * The world owns its structure: zones and how they nest. A zone's parent is another zone of the
 * same snapshot (empty for a top-level zone), and no zone may be its own ancestor.
 */
export const worldModule: OwnerModule<typeof ZoneRecordSchema> = {
  system: OwnerSystem.WORLD,
  record: ZoneRecordSchema,
  idPath: ['zone_id'],
  references: [{ path: ['parent_zone_id'], target: OwnerSystem.WORLD, optional: true }],
  fieldRules: [
    { path: ['zone_id'], kind: 'id' },
    { path: ['template_id'], kind: 'id' },
    { path: ['parent_zone_id'], kind: 'optional-id' },
    { path: ['flags'], kind: 'map-keys' },
  ],
  claims: [],
  acyclic: ['parent_zone_id'],
};
