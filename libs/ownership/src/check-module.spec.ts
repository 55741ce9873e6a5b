import { OwnerSystem, PlayerRecordSchema } from '@persistd/contract';
import { checkOwnerModule } from './check-module';
import type { OwnerModule } from './owner-module';

const base: OwnerModule = {
  system: OwnerSystem.PLAYER,
  record: PlayerRecordSchema,
  idPath: ['player_id'],
  references: [{ path: ['save', 'zone_id'], target: OwnerSystem.WORLD }],
  fieldRules: [{ path: ['player_id'], kind: 'id' }],
  claims: [],
};

describe('checkOwnerModule', () => {
  it('accepts a module whose paths exist', () => {
    expect(() => checkOwnerModule(base)).not.toThrow();
  });

  it('names a path the descriptor does not have', () => {
    expect(() => checkOwnerModule({ ...base, references: [{ path: ['save', 'zone'], target: OwnerSystem.WORLD }] })).toThrow(/PlayerRecord has no field save.zone/);
    expect(() => checkOwnerModule({ ...base, claims: [{ name: 'x', paths: [['nope']] }] })).toThrow(/no field nope/);
  });

  it('requires the id rule on the id path', () => {
    expect(() => checkOwnerModule({ ...base, fieldRules: [] })).toThrow(/has no 'id' field rule/);
  });

  it('refuses references to systems outside the registry', () => {
    expect(() => checkOwnerModule({ ...base, references: [{ path: ['save', 'zone_id'], target: OwnerSystem.UNSPECIFIED }] })).toThrow(/not an owner system/);
    expect(() => checkOwnerModule({ ...base, system: OwnerSystem.UNSPECIFIED })).toThrow(/not an owner system/);
  });
});
