import { create } from '@bufbuild/protobuf';
import { OwnerSystem, QuestRecordSchema } from '@persistd/contract';
import { checkOwnerModule, compilePath, embeddedMessageTypes } from '@persistd/ownership';
import { questModule } from './quest-module';

describe('quest module', () => {
  it('describes paths the generated descriptors have', () => {
    expect(() => checkOwnerModule(questModule)).not.toThrow();
  });

  it('is player-owned: names its player, embeds nothing', () => {
    expect(embeddedMessageTypes(QuestRecordSchema)).toEqual([]);
    expect(questModule.references).toEqual([{ path: ['player_id'], target: OwnerSystem.PLAYER }]);
    expect(compilePath(QuestRecordSchema, ['player_id'])(create(QuestRecordSchema, { questId: 'q', playerId: 'p7' }))).toBe('p7');
  });

  it('requires a known status', () => {
    expect(questModule.fieldRules).toContainEqual({ path: ['status'], kind: 'known-enum' });
  });
});
