import { create } from '@bufbuild/protobuf';
import { OwnerSystem, ZoneRecordSchema } from '@persistd/contract';
import { checkOwnerModule, compilePath, embeddedMessageTypes } from '@persistd/ownership';
import { worldModule } from './world-module';

describe('world module', () => {
  it('describes paths the generated descriptors have', () => {
    expect(() => checkOwnerModule(worldModule)).not.toThrow();
  });

  it('owns zones alone', () => {
    expect(embeddedMessageTypes(ZoneRecordSchema)).toEqual([]);
  });

  it('nests zones by an optional parent that must not loop', () => {
    expect(worldModule.references).toEqual([{ path: ['parent_zone_id'], target: OwnerSystem.WORLD, optional: true }]);
    expect(worldModule.acyclic).toEqual(['parent_zone_id']);
    expect(compilePath(ZoneRecordSchema, worldModule.acyclic!)(create(ZoneRecordSchema, { zoneId: 'z2', parentZoneId: 'z1' }))).toBe('z1');
  });
});
