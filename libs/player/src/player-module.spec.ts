import { create } from '@bufbuild/protobuf';
import { OwnerSystem, PlayerRecordSchema } from '@persistd/contract';
import { checkOwnerModule, compilePath, embeddedMessageTypes } from '@persistd/ownership';
import { playerModule } from './player-module';

describe('player module', () => {
  it('describes paths the generated descriptors have', () => {
    expect(() => checkOwnerModule(playerModule)).not.toThrow();
  });

  it('owns identity and PlayerSave, embedding no other system\'s records', () => {
    expect(embeddedMessageTypes(PlayerRecordSchema)).toEqual(['caelmor.persist.v1.PlayerIdentity', 'caelmor.persist.v1.PlayerSave', 'caelmor.persist.v1.Vec3']);
  });

  it('references only the zone a player stands in', () => {
    expect(playerModule.references.map((r) => [r.path.join('.'), r.target])).toEqual([['save.zone_id', OwnerSystem.WORLD]]);
    const read = compilePath(PlayerRecordSchema, playerModule.references[0].path);
    expect(read(create(PlayerRecordSchema, { playerId: 'p1', save: { zoneId: 'z9' } }))).toBe('z9');
  });

  it('bounds the display name and checks every id it holds', () => {
    const kinds = Object.fromEntries(playerModule.fieldRules.map((r) => [r.path.join('.'), r.kind]));
    expect(kinds).toMatchObject({ player_id: 'id', 'identity.account_id': 'id', 'identity.display_name': 'display-name', 'save.zone_id': 'id', 'save.attributes': 'map-keys' });
  });
});
