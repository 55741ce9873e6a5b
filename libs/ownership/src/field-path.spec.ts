import { create } from '@bufbuild/protobuf';
import { ItemRecordSchema, PlayerRecordSchema } from '@persistd/contract';
import { compilePath, formatPath, NOT_APPLICABLE } from './field-path';

describe('compilePath', () => {
  it('reads nested fields and reports unset messages as undefined', () => {
    const read = compilePath(PlayerRecordSchema, ['save', 'zone_id']);
    expect(read(create(PlayerRecordSchema, { save: { zoneId: 'z1' } }))).toBe('z1');
    expect(read(create(PlayerRecordSchema, {}))).toBeUndefined();
  });

  it('reads through a oneof only when its case is set', () => {
    const player = compilePath(ItemRecordSchema, ['location', 'inventory', 'player_id']);
    const caseName = compilePath(ItemRecordSchema, ['location']);
    const inInventory = create(ItemRecordSchema, { location: { case: 'inventory', value: { playerId: 'p1', slot: 2 } } });
    const onGround = create(ItemRecordSchema, { location: { case: 'ground', value: { zoneId: 'z1' } } });
    expect(player(inInventory)).toBe('p1');
    expect(player(onGround)).toBe(NOT_APPLICABLE);
    expect(caseName(onGround)).toBe('ground');
    expect(caseName(create(ItemRecordSchema, {}))).toBeUndefined();
  });

  it('refuses at start-up a path the descriptor does not have', () => {
    expect(() => compilePath(PlayerRecordSchema, ['save', 'zone'])).toThrow(/no field save.zone/);
    expect(() => compilePath(PlayerRecordSchema, ['player_id', 'x'])).toThrow(/through a scalar/);
  });

  it('formats paths by record id', () => {
    expect(formatPath('items', 'i0001', ['location', 'inventory', 'player_id'])).toBe('items[i0001].location.inventory.player_id');
  });
});
