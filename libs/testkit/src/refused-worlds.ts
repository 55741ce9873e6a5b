import { create } from '@bufbuild/protobuf';
import { ItemRecordSchema, ZoneRecordSchema, type WorldSnapshot } from '@persistd/contract';
import { smallWorld } from './world-generator';

/**
 * Snapshots that break one rule many times over, for tests of refusals far larger than any
 * status trailer may carry. Each says which code it breaks and, where that is fixed, how many
 * violations it makes; the tests read the exact total from the refusal and compare.
 */
export type RefusedWorldKind = 'dangling-items' | 'duplicate-ids' | 'slot-flood' | 'zone-cycle' | 'zone-chain';

/** A built snapshot and what the daemon must answer it with. */
export interface RefusedWorld {
  snapshot: WorldSnapshot;
  /** The §4 reason of the refusal; undefined: the snapshot is legal and commits. */
  reason?: 'DANGLING_REFERENCE' | 'DUPLICATE_ID' | 'OWNERSHIP_OVERLAP';
  /** violations_total the refusal reports, when it follows from the shape alone. */
  violations?: number;
}

const pad = (n: number) => String(n).padStart(7, '0');

/** `count` records of one hostile kind added to a small valid world of `worldId` (epoch 0). */
export function refusedWorld(kind: RefusedWorldKind, worldId: string, count: number): RefusedWorld {
  const snapshot = smallWorld(worldId);
  const items = snapshot.items!.items;
  const zones = snapshot.world!.zones;
  const player = snapshot.players!.players[0].playerId;
  const item = (i: number, playerId: string, slot: number) =>
    create(ItemRecordSchema, { itemId: `h${pad(i)}`, templateId: 'item-tpl-h', quantity: 1, durability: 1, location: { case: 'inventory', value: { playerId, slot } } });
  switch (kind) {
    case 'dangling-items':
      // items still in the inventory of a player the snapshot no longer holds
      for (let i = 0; i < count; i++) items.push(item(i, 'deleted-player', i));
      return { snapshot, reason: 'DANGLING_REFERENCE', violations: count };
    case 'duplicate-ids':
      // every item sent twice, identical
      for (let i = 0; i < count; i++) items.push(item(i, player, 1_000 + i), item(i, player, 1_000 + i));
      return { snapshot, reason: 'DUPLICATE_ID', violations: count };
    case 'slot-flood':
      // count + 1 items claiming one inventory slot of a player the snapshot holds
      for (let i = 0; i <= count; i++) items.push(item(i, player, 999_999));
      return { snapshot, reason: 'OWNERSHIP_OVERLAP', violations: count };
    case 'zone-chain':
    case 'zone-cycle':
      // h0 under h1 under ... under h(count-1); a cycle closes the chain with h(count-1) under h0
      for (let i = 0; i < count; i++) {
        const parent = i + 1 < count ? `h${pad(i + 1)}` : kind === 'zone-cycle' ? `h${pad(0)}` : '';
        zones.push(create(ZoneRecordSchema, { zoneId: `h${pad(i)}`, templateId: 'zone-tpl-h', parentZoneId: parent }));
      }
      // a cycle is one violation per zone on it
      return kind === 'zone-cycle' ? { snapshot, reason: 'OWNERSHIP_OVERLAP', violations: count } : { snapshot };
  }
}
