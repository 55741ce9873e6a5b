import { create } from '@bufbuild/protobuf';
import { NpcRecordSchema, OwnerSystem } from '@persistd/contract';
import { checkOwnerModule, compilePath, embeddedMessageTypes } from '@persistd/ownership';
import { npcModule } from './npc-module';

describe('npc module', () => {
  it('describes paths the generated descriptors have', () => {
    expect(() => checkOwnerModule(npcModule)).not.toThrow();
  });

  it('embeds no other system\'s records', () => {
    expect(embeddedMessageTypes(NpcRecordSchema)).toEqual(['caelmor.persist.v1.Vec3']);
  });

  it('references the zone it is in, and keeps its position finite', () => {
    expect(npcModule.references).toEqual([{ path: ['zone_id'], target: OwnerSystem.WORLD }]);
    expect(compilePath(NpcRecordSchema, ['zone_id'])(create(NpcRecordSchema, { zoneId: 'z3' }))).toBe('z3');
    expect(npcModule.fieldRules).toContainEqual({ path: ['position'], kind: 'finite-vec3' });
  });
});
