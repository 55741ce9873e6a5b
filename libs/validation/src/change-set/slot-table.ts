/**
 * A string-keyed hash table that stores no keys: open addressing over an Int32Array of values + 1
 * (0 = empty), the key of a value read back through `keyAt` (the index's own id or claim
 * strings). Four bytes a slot at a load of at most 0.7, where a Map entry takes about forty
 * (three pointers and a bucket share). Deletion shifts the probe run back, so there are no
 * tombstones to accumulate under churn. Plain data, so it survives a structured clone.
 */
export interface SlotTable {
  slots: Int32Array;
  count: number;
}

const MAX_LOAD = 0.7;

/** FNV-1a over the UTF-16 code units. */
function hashOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function capacityFor(count: number): number {
  let capacity = 16;
  while (count > capacity * MAX_LOAD) capacity *= 2;
  return capacity;
}

export function emptyTable(expected = 0): SlotTable {
  return { slots: new Int32Array(capacityFor(expected)), count: 0 };
}

/** The slot holding `key`, or the empty slot where it would go. */
function slotOf(t: SlotTable, key: string, keyAt: (value: number) => string | undefined): number {
  const mask = t.slots.length - 1;
  for (let i = hashOf(key) & mask; ; i = (i + 1) & mask) {
    const v = t.slots[i];
    if (v === 0 || keyAt(v - 1) === key) return i;
  }
}

export function tableGet(t: SlotTable, key: string, keyAt: (value: number) => string | undefined): number | undefined {
  const v = t.slots[slotOf(t, key, keyAt)];
  return v === 0 ? undefined : v - 1;
}

/** Sets `key` (the key `keyAt(value)` reads) to `value`, replacing the value it had. */
export function tableSet(t: SlotTable, key: string, value: number, keyAt: (value: number) => string | undefined): void {
  let i = slotOf(t, key, keyAt);
  if (t.slots[i] === 0 && t.count + 1 > t.slots.length * MAX_LOAD) {
    rehash(t, t.slots.length * 2, keyAt);
    i = slotOf(t, key, keyAt);
  }
  if (t.slots[i] === 0) t.count++;
  t.slots[i] = value + 1;
}

/** Removes `key` if it is held (its key must still be readable through keyAt until then). */
export function tableDelete(t: SlotTable, key: string, keyAt: (value: number) => string | undefined): void {
  const mask = t.slots.length - 1;
  let i = slotOf(t, key, keyAt);
  if (t.slots[i] === 0) return;
  t.slots[i] = 0;
  t.count--;
  // Shift back each later entry of the probe run whose home is not between the hole and it.
  for (let j = (i + 1) & mask; t.slots[j] !== 0; j = (j + 1) & mask) {
    const home = hashOf(keyAt(t.slots[j] - 1)!) & mask;
    const stays = i <= j ? i < home && home <= j : i < home || home <= j;
    if (stays) continue;
    t.slots[i] = t.slots[j];
    t.slots[j] = 0;
    i = j;
  }
}

/** Re-places every value in a table of `capacity` slots (a power of two). */
export function rehash(t: SlotTable, capacity: number, keyAt: (value: number) => string | undefined): void {
  const old = t.slots;
  t.slots = new Int32Array(capacity);
  const mask = capacity - 1;
  for (const v of old) {
    if (v === 0) continue;
    let i = hashOf(keyAt(v - 1)!) & mask;
    while (t.slots[i] !== 0) i = (i + 1) & mask;
    t.slots[i] = v;
  }
}
