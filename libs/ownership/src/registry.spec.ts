import { OwnerSystem, RestorePhase } from '@persistd/contract';
import { OWNER_SYSTEMS, ownerEntry, RESTORE_PHASES, systemRank, systemsOfPhase } from './registry';

describe('owner registry', () => {
  it('is the closed set of five systems in restore order', () => {
    expect(OWNER_SYSTEMS.map((e) => e.name)).toEqual(['player', 'world', 'npc', 'item', 'quest']);
    expect(RESTORE_PHASES).toEqual([RestorePhase.PLAYERS, RestorePhase.WORLD, RestorePhase.BOUND, RestorePhase.ACTIVATION]);
  });

  it('binds NPCs, items and quests to the BOUND phase in that order', () => {
    expect(systemsOfPhase(RestorePhase.BOUND).map((e) => e.name)).toEqual(['npc', 'item', 'quest']);
    expect(systemsOfPhase(RestorePhase.ACTIVATION)).toEqual([]);
  });

  it('knows no system outside the registry', () => {
    expect(() => ownerEntry(OwnerSystem.UNSPECIFIED)).toThrow(/not an owner system/);
    expect(systemRank(OwnerSystem.QUEST)).toBe(4);
    expect(systemRank(OwnerSystem.UNSPECIFIED)).toBe(5);
  });
});
