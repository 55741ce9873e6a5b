/** Test-only: random edits of a snapshot for property tests — valid changes, deletes, inserts and rule breaks. */
import { create } from '@bufbuild/protobuf';
import { InventorySlotSchema, NpcHolderSchema, QuestStatus, type WorldSnapshot } from '@persistd/contract';
import fc from 'fast-check';

/** One edit: what to do to which section's record (`pick` chooses it modulo the section's size). */
export interface WorldEdit {
  kind: 'change' | 'delete' | 'insert' | 'break';
  section: number;
  pick: number;
  variant: number;
}

export const worldEdit: fc.Arbitrary<WorldEdit> = fc.record({
  kind: fc.constantFrom('change', 'delete', 'insert', 'break'),
  section: fc.integer({ min: 0, max: 4 }),
  pick: fc.nat({ max: 1000 }),
  variant: fc.nat({ max: 2 }),
});

type Bag = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const lists = (w: WorldSnapshot): Bag[][] => [w.players!.players, w.world!.zones, w.npcs!.npcs, w.items!.items, w.quests!.quests] as unknown as Bag[][];
const ID = ['playerId', 'zoneId', 'npcId', 'itemId', 'questId'];

/** A rule break of `variant`: a reference to an absent record, a field out of its rules, or one datum claimed twice. */
function breakRecord(section: number, r: Bag, variant: number, all: Bag[]): void {
  const other = all.find((x) => x !== r);
  switch (section) {
    case 0:
      if (variant === 0) r.save.zoneId = 'ghost-zone';
      else r.identity.displayName = '';
      break;
    case 1:
      if (variant === 0) r.parentZoneId = 'ghost-zone';
      else if (variant === 1 || !other) r.templateId = 'not an id!';
      else {
        // A cycle of two zones.
        r.parentZoneId = other.zoneId;
        other.parentZoneId = r.zoneId;
      }
      break;
    case 2:
      if (variant === 0) r.zoneId = 'ghost-zone';
      else r.disposition = 'x'.repeat(5);
      if (variant === 1) r.templateId = '';
      break;
    case 3:
      if (variant === 0) r.location = { case: 'heldByNpc', value: create(NpcHolderSchema, { npcId: 'ghost-npc' }) };
      else if (variant === 1 || !other) r.quantity = 0;
      else {
        // Two items in one inventory slot.
        const slot = other.location?.case === 'inventory' ? other.location.value : undefined;
        if (slot) r.location = { case: 'inventory', value: create(InventorySlotSchema, { playerId: slot.playerId, slot: slot.slot }) };
        else r.quantity = 0;
      }
      break;
    case 4:
      if (variant === 0) r.playerId = 'ghost-player';
      else r.status = QuestStatus.UNSPECIFIED;
      break;
  }
}

/** A valid change of a record's own data. */
function changeRecord(section: number, r: Bag, variant: number): void {
  switch (section) {
    case 0:
      r.save.level += 1 + variant;
      break;
    case 1:
      r.flags = { ...r.flags, [`edit_${variant}`]: 'on' };
      break;
    case 2:
      r.health += 1 + variant;
      break;
    case 3:
      r.durability += 1 + variant;
      break;
    case 4:
      r.stage += 1 + variant;
      break;
  }
}

/** Applies the edits in order to `w` (in place). */
export function applyEdits(w: WorldSnapshot, edits: readonly WorldEdit[], copy: (section: number, r: Bag) => Bag): void {
  edits.forEach((e, n) => {
    const list = lists(w)[e.section];
    if (list.length === 0) return;
    const i = e.pick % list.length;
    switch (e.kind) {
      case 'change':
        changeRecord(e.section, list[i], e.variant);
        break;
      case 'delete':
        list.splice(i, 1);
        break;
      case 'insert': {
        const r = copy(e.section, list[i]);
        r[ID[e.section]] = `new${n}-${e.section}`;
        if (e.section === 3 && r.location?.case === 'inventory') r.location.value.slot += 1000 + n;
        list.splice(e.pick % (list.length + 1), 0, r);
        break;
      }
      case 'break':
        breakRecord(e.section, list[i], e.variant, list);
        break;
    }
  });
}
