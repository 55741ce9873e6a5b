import { create } from '@bufbuild/protobuf';
import { ItemRecordSchema, OwnerSystem } from '@persistd/contract';
import { checkOwnerModule, compilePath, embeddedMessageTypes, NOT_APPLICABLE } from '@persistd/ownership';
import { itemModule } from './item-module';

describe('item module', () => {
  it('describes paths the generated descriptors have', () => {
    expect(() => checkOwnerModule(itemModule)).not.toThrow();
  });

  it('says where it is, embedding no player or NPC', () => {
    expect(embeddedMessageTypes(ItemRecordSchema)).toEqual(['caelmor.persist.v1.GroundLocation', 'caelmor.persist.v1.InventorySlot', 'caelmor.persist.v1.NpcHolder', 'caelmor.persist.v1.Vec3']);
    expect(itemModule.fieldRules).toContainEqual({ path: ['location'], kind: 'oneof-set' });
  });

  it('references its holder through whichever location is set', () => {
    expect(itemModule.references.map((r) => r.target)).toEqual([OwnerSystem.PLAYER, OwnerSystem.WORLD, OwnerSystem.NPC]);
    const held = create(ItemRecordSchema, { itemId: 'i1', location: { case: 'heldByNpc', value: { npcId: 'n1' } } });
    expect(itemModule.references.map((r) => compilePath(ItemRecordSchema, r.path)(held))).toEqual([NOT_APPLICABLE, NOT_APPLICABLE, 'n1']);
  });

  it('claims one inventory slot of one player exclusively', () => {
    const [claim] = itemModule.claims;
    const inSlot = create(ItemRecordSchema, { itemId: 'i1', location: { case: 'inventory', value: { playerId: 'p1', slot: 4 } } });
    expect(claim.paths.map((p) => compilePath(ItemRecordSchema, p)(inSlot))).toEqual(['p1', 4]);
  });
});
