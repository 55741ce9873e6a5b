import { OwnerSystem } from '@persistd/contract';
import { compareViolations, describe as describeViolation, sortViolations, type RuleViolation } from './violation';

const v = (code: RuleViolation['code'], system: OwnerSystem, recordId = '', path = '', message = ''): RuleViolation => ({ code, system, recordId, path, message });

describe('sortViolations', () => {
  it('orders by code precedence first', () => {
    const vs = [v('DANGLING_REFERENCE', OwnerSystem.PLAYER), v('FORBIDDEN_SOURCE', OwnerSystem.UNSPECIFIED), v('INVALID_FIELD', OwnerSystem.PLAYER), v('RUNTIME_STATE', OwnerSystem.QUEST)];
    expect(sortViolations(vs).map((x) => x.code)).toEqual(['FORBIDDEN_SOURCE', 'RUNTIME_STATE', 'INVALID_FIELD', 'DANGLING_REFERENCE']);
  });

  it('then by system in restore order, request-level (UNSPECIFIED) first', () => {
    const systems = [OwnerSystem.QUEST, OwnerSystem.ITEM, OwnerSystem.NPC, OwnerSystem.WORLD, OwnerSystem.PLAYER, OwnerSystem.UNSPECIFIED];
    const sorted = sortViolations(systems.map((s) => v('INVALID_FIELD', s)));
    expect(sorted.map((x) => x.system)).toEqual([OwnerSystem.UNSPECIFIED, OwnerSystem.PLAYER, OwnerSystem.WORLD, OwnerSystem.NPC, OwnerSystem.ITEM, OwnerSystem.QUEST]);
  });

  it('then by record id, path and message in code-unit order, never by locale', () => {
    const vs = [
      v('INVALID_FIELD', OwnerSystem.ITEM, 'a', 'items[a].x', 'm'),
      v('INVALID_FIELD', OwnerSystem.ITEM, 'B', 'items[B].x', 'm'),
      v('INVALID_FIELD', OwnerSystem.ITEM, 'B', 'items[B].quantity', 'm'),
      v('INVALID_FIELD', OwnerSystem.ITEM, 'B', 'items[B].quantity', 'b'),
      v('INVALID_FIELD', OwnerSystem.ITEM, '#1', 'items[#1].item_id', 'm'),
      v('INVALID_FIELD', OwnerSystem.ITEM, 'é', 'items[é].x', 'm'),
      v('INVALID_FIELD', OwnerSystem.ITEM, 'f', 'items[f].x', 'm'),
    ];
    expect(sortViolations(vs).map((x) => `${x.recordId}|${x.path}|${x.message}`)).toEqual([
      '#1|items[#1].item_id|m',
      'B|items[B].quantity|b',
      'B|items[B].quantity|m',
      'B|items[B].x|m',
      'a|items[a].x|m',
      'f|items[f].x|m',
      'é|items[é].x|m', // U+00E9 after every ASCII letter; localeCompare would put it before f
    ]);
  });

  it('places codes added at the RPC edge (EPOCH_CONFLICT) after every snapshot code', () => {
    const vs = [{ ...v('DANGLING_REFERENCE', OwnerSystem.QUEST), code: 'EPOCH_CONFLICT' }, v('DANGLING_REFERENCE', OwnerSystem.QUEST)];
    expect(sortViolations(vs).map((x) => x.code)).toEqual(['DANGLING_REFERENCE', 'EPOCH_CONFLICT']);
  });

  it('returns a new array and leaves its input as it was', () => {
    const vs = [v('DANGLING_REFERENCE', OwnerSystem.PLAYER), v('FORBIDDEN_SOURCE', OwnerSystem.UNSPECIFIED)];
    const out = sortViolations(vs);
    expect(out).not.toBe(vs);
    expect(vs.map((x) => x.code)).toEqual(['DANGLING_REFERENCE', 'FORBIDDEN_SOURCE']);
    expect(compareViolations(out[0], out[1])).toBeLessThan(0);
    expect(compareViolations(out[0], { ...out[0] })).toBe(0);
  });
});

describe('describe', () => {
  it('is `CODE: message`', () => {
    expect(describeViolation(v('MIXED_EPOCH', OwnerSystem.ITEM, '', 'items.source_epoch', 'the item section descends from epoch 2'))).toBe(
      'MIXED_EPOCH: the item section descends from epoch 2',
    );
  });
});
