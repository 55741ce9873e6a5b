import { OwnerSystem, RestorePhase } from '@persistd/contract';
import { expectedPhaseOf, ownerOfPayload, phaseName, RESTORE_STEPS, stepIndexOf, type RestorePayloadCase } from './restore-steps';

describe('RESTORE_STEPS', () => {
  it('lists the five sections in registry order, then the activation', () => {
    expect(RESTORE_STEPS).toEqual(['players', 'world', 'npcs', 'items', 'quests', 'activation']);
    expect(Object.isFrozen(RESTORE_STEPS)).toBe(true);
  });

  it('gives -1 for anything that is not a payload case', () => {
    expect(stepIndexOf('npcs')).toBe(2);
    expect(stepIndexOf(undefined)).toBe(-1);
    expect(stepIndexOf('zones')).toBe(-1);
  });
});

describe('expectedPhaseOf', () => {
  it.each<[RestorePayloadCase, RestorePhase]>([
    ['players', RestorePhase.PLAYERS],
    ['world', RestorePhase.WORLD],
    ['npcs', RestorePhase.BOUND],
    ['items', RestorePhase.BOUND],
    ['quests', RestorePhase.BOUND],
    ['activation', RestorePhase.ACTIVATION],
  ])('maps %s to its phase', (payloadCase, phase) => {
    expect(expectedPhaseOf(payloadCase)).toBe(phase);
  });

  it('gives UNSPECIFIED, which no message may carry, for an unknown payload', () => {
    expect(expectedPhaseOf('zones' as RestorePayloadCase)).toBe(RestorePhase.UNSPECIFIED);
  });
});

describe('ownerOfPayload', () => {
  it('names the owner system of each section and none for the activation', () => {
    expect(RESTORE_STEPS.map((c) => ownerOfPayload(c)?.system)).toEqual([
      OwnerSystem.PLAYER,
      OwnerSystem.WORLD,
      OwnerSystem.NPC,
      OwnerSystem.ITEM,
      OwnerSystem.QUEST,
      undefined,
    ]);
  });
});

describe('phaseName', () => {
  it('names known phases and shows unknown ones as numbers', () => {
    expect(phaseName(RestorePhase.BOUND)).toBe('BOUND');
    expect(phaseName(42 as RestorePhase)).toBe('42');
  });
});
