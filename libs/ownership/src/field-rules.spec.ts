import { QuestStatusSchema } from '@persistd/contract';
import { breakOf } from './field-rules';

describe('field rules', () => {
  it('ids: 1-128 of [A-Za-z0-9._-]', () => {
    expect(breakOf('id', 'p-1.x_Y')).toBeUndefined();
    expect(breakOf('id', 'a'.repeat(128))).toBeUndefined();
    for (const bad of ['', 'a'.repeat(129), 'a b', 'a:b', '{w}', 'é']) expect(breakOf('id', bad)).toMatch(/must match/);
    expect(breakOf('optional-id', '')).toBeUndefined();
    expect(breakOf('optional-id', 'a b')).toMatch(/must be empty or match/);
  });

  it('display names: 1-64 characters, counted as characters', () => {
    expect(breakOf('display-name', 'é'.repeat(64))).toBeUndefined();
    expect(breakOf('display-name', '')).toMatch(/1-64/);
    expect(breakOf('display-name', 'x'.repeat(65))).toMatch(/1-64/);
  });

  it('map keys, quantities, enums, coordinates, oneofs', () => {
    expect(breakOf('map-keys', { _ok: 1, Str3: 2 })).toBeUndefined();
    expect(breakOf('map-keys', { '3d': 1 })).toMatch(/keys must match/);
    expect(breakOf('positive', 1)).toBeUndefined();
    expect(breakOf('positive', 0)).toMatch(/at least 1/);
    expect(breakOf('known-enum', 1, QuestStatusSchema)).toBeUndefined();
    expect(breakOf('known-enum', 0, QuestStatusSchema)).toMatch(/known value/);
    expect(breakOf('known-enum', 99, QuestStatusSchema)).toMatch(/known value/);
    expect(breakOf('finite-vec3', { x: 1, y: 2, z: 3 })).toBeUndefined();
    expect(breakOf('finite-vec3', undefined)).toBeUndefined();
    expect(breakOf('finite-vec3', { x: NaN, y: 0, z: 0 })).toMatch(/finite/);
    expect(breakOf('finite-vec3', { x: 0, y: Infinity, z: 0 })).toMatch(/finite/);
    expect(breakOf('oneof-set', 'ground')).toBeUndefined();
    expect(breakOf('oneof-set', undefined)).toMatch(/must be set/);
  });
});
