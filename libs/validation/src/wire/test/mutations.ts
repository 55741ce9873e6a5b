import { clone, create, ScalarType, toBinary, type DescMessage } from '@bufbuild/protobuf';
import { WireType } from '@bufbuild/protobuf/wire';
import {
  InventorySlotSchema,
  NpcHolderSchema,
  QuestStatus,
  SaveRequestSchema,
  StateSource,
  Vec3Schema,
  WorldSnapshotSchema,
  type SaveRequest,
  type WorldSnapshot,
} from '@persistd/contract';
import { OWNER_SYSTEMS } from '@persistd/ownership';
import { canonicalizeInPlace } from '../../canonical-record';
import { COMPILED_MODULES, OWNER_MODULES } from '../../owner-modules';
import { isRuntimeOnly } from '../../rules/runtime-walk';
import { insertInOrder, messageNodes, parseTree, writeTree, zeroNode, type WireNode } from './wire-tree';

/**
 * Test support: ways to change a save request, by the data (bad ids, dangling references,
 * runtime-only state… — what the rules are about) and by the encoding only (what the wire reader
 * must notice: the same data, not canonical). Each takes its random choices from `pick`.
 */

/** An index below n from the test's random numbers. */
export type Pick = (n: number) => number;

const one = <T>(xs: readonly T[], pick: Pick): T | undefined => (xs.length === 0 ? undefined : xs[pick(xs.length)]);

function shuffle<T>(xs: T[], pick: Pick): void {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = pick(i + 1);
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
}

const sectionsOf = (w: WorldSnapshot) => [w.players, w.world, w.npcs, w.items, w.quests].filter((s) => s !== undefined);

/** Changes to the request's data, applied before it is encoded. */
export const DATA_MUTATIONS: Record<string, (req: SaveRequest, pick: Pick) => void> = {
  'bad item id': (req, p) => {
    const it = one(req.snapshot!.items!.items, p);
    if (it) it.itemId = 'bad id';
  },
  'empty npc id': (req, p) => {
    const n = one(req.snapshot!.npcs!.npcs, p);
    if (n) n.npcId = '';
  },
  'dangling quest player': (req, p) => {
    const q = one(req.snapshot!.quests!.quests, p);
    if (q) q.playerId = 'nobody';
  },
  'dangling held-by npc': (req, p) => {
    const it = one(req.snapshot!.items!.items, p);
    if (it) it.location = { case: 'heldByNpc', value: create(NpcHolderSchema, { npcId: 'no-npc' }) };
  },
  'record sent twice': (req, p) => {
    const w = req.snapshot!;
    const k = p(5);
    const sec = [w.players!.players, w.world!.zones, w.npcs!.npcs, w.items!.items, w.quests!.quests][k] as unknown[];
    const r = one(sec, p);
    if (r) sec.push(clone(OWNER_MODULES[k].module.record, r as never));
  },
  'same id, other content': (req, p) => {
    const n = one(req.snapshot!.npcs!.npcs, p);
    if (!n) return;
    const copy = clone(OWNER_MODULES[2].module.record, n as never) as typeof n;
    copy.health += 1;
    req.snapshot!.npcs!.npcs.push(copy);
  },
  'two items in one slot': (req, p) => {
    const items = req.snapshot!.items!.items;
    const player = one(req.snapshot!.players!.players, p);
    if (items.length < 2 || !player) return;
    for (const it of [items[0], items[items.length - 1]]) it.location = { case: 'inventory', value: create(InventorySlotSchema, { playerId: player.playerId, slot: 777 }) };
  },
  'zone cycle': (req) => {
    const zones = req.snapshot!.world!.zones;
    if (zones.length < 2) return;
    zones[0].parentZoneId = zones[1].zoneId;
    zones[1].parentZoneId = zones[0].zoneId;
  },
  'runtime-only field set': (req, p) => {
    const w = req.snapshot!;
    switch (p(6)) {
      case 0: {
        const pl = one(w.players!.players, p);
        if (pl) pl.sessionId = 's';
        break;
      }
      case 1: {
        const pl = one(w.players!.players, p);
        if (pl?.save) pl.save.predictedPosition = create(Vec3Schema);
        break;
      }
      case 2: {
        const z = one(w.world!.zones, p);
        if (z) z.lastTick = 3n;
        break;
      }
      case 3: {
        const n = one(w.npcs!.npcs, p);
        if (n) n.aiState = 'idle';
        break;
      }
      case 4: {
        const it = one(w.items!.items, p);
        if (it) it.pendingTradeLock = 'l';
        break;
      }
      default: {
        const q = one(w.quests!.quests, p);
        if (q) q.tickTimerMs = 5;
      }
    }
  },
  'long text in a record': (req, p) => {
    const n = one(req.snapshot!.npcs!.npcs, p);
    if (n) n.disposition = `${'é'.repeat(p(3))}${'x'.repeat(20 + p(5000))}`;
  },
  'large map': (req, p) => {
    const z = one(req.snapshot!.world!.zones, p);
    if (z) for (let i = 0, n = 3 + p(300); i < n; i++) z.flags[`f${i}`] = 'on';
  },
  'forbidden source': (req, p) => {
    req.source = one([StateSource.UNSPECIFIED, StateSource.CLIENT, StateSource.EVENT_REPLAY, 9 as StateSource], p)!;
  },
  'unreadable schema version': (req) => {
    req.snapshot!.schemaVersion = 2;
  },
  'section of another epoch': (req, p) => {
    const max = (1n << 64n) - 1n;
    one(sectionsOf(req.snapshot!), p)!.sourceEpoch = req.expectedEpoch === max ? max - 1n : req.expectedEpoch + 1n;
  },
  'world section of another world': (req) => {
    req.snapshot!.world!.worldId = `${req.worldId}-x`;
  },
  'section absent': (req, p) => {
    if (!req.snapshot) return; // 'snapshot absent' came first
    const name = OWNER_SYSTEMS[p(5)].section;
    (req.snapshot as unknown as Record<string, unknown>)[name] = undefined;
  },
  'snapshot absent': (req) => {
    req.snapshot = undefined;
  },
  'bad request id': (req) => {
    req.requestId = 'no spaces allowed';
  },
  'bad map key': (req, p) => {
    const z = one(req.snapshot!.world!.zones, p);
    if (z) z.flags['bad key'] = 'x';
  },
  'NaN coordinate': (req, p) => {
    const n = one(req.snapshot!.npcs!.npcs, p);
    if (n?.position) n.position.y = Number.NaN;
  },
  'quantity 0': (req, p) => {
    const it = one(req.snapshot!.items!.items, p);
    if (it) it.quantity = 0;
  },
  'quest status unspecified': (req, p) => {
    const q = one(req.snapshot!.quests!.quests, p);
    if (q) q.status = QuestStatus.UNSPECIFIED;
  },
  'empty display name': (req, p) => {
    const pl = one(req.snapshot!.players!.players, p);
    if (pl?.identity) pl.identity.displayName = '';
  },
};

const SNAPSHOT_NO = SaveRequestSchema.fields.find((f) => f.name === 'snapshot')!.number;
const SECTION_NOS = new Set(OWNER_SYSTEMS.map((e) => WorldSnapshotSchema.fields.find((f) => f.name === e.section)!.number));

function snapshotNodes(tree: WireNode[]): WireNode[] {
  return tree.filter((n) => n.no === SNAPSHOT_NO && n.kids);
}
function sectionNodes(tree: WireNode[]): WireNode[] {
  return snapshotNodes(tree).flatMap((s) => s.kids!.filter((k) => k.kids && SECTION_NOS.has(k.no)));
}
/** Record nodes: entries of a section's repeated record field. */
export function recordNodes(tree: WireNode[]): WireNode[] {
  return sectionNodes(tree).flatMap((s) => s.kids!.filter((k) => k.kids && k.field?.fieldKind === 'list'));
}
/** Messages inside records (identity, save, position, location members, map entries excluded). */
function nestedNodes(tree: WireNode[]): WireNode[] {
  return recordNodes(tree).flatMap((r) => messageNodes(r.kids!).map((m) => m.node));
}
function stringNodes(tree: WireNode[]): WireNode[] {
  const out: WireNode[] = [];
  const walk = (nodes: WireNode[]) => {
    for (const n of nodes) {
      if (n.kids) walk(n.kids);
      else if (n.field?.fieldKind === 'scalar' && n.field.scalar === ScalarType.STRING && n.raw && n.raw.length > 0) out.push(n);
    }
  };
  walk(recordNodes(tree).flatMap((r) => r.kids!));
  return out;
}
function mapEntries(tree: WireNode[]): WireNode[] {
  const out: WireNode[] = [];
  const walk = (nodes: WireNode[]) => {
    for (const n of nodes) {
      if (n.field?.fieldKind === 'map' && n.kids) out.push(n);
      else if (n.kids) walk(n.kids);
    }
  };
  walk(recordNodes(tree));
  return out;
}

/** A field number the message type does not have. */
function unusedNumber(desc: DescMessage | undefined, pick: Pick): number {
  const taken = new Set(desc?.fields.map((f) => f.number) ?? []);
  let no = 11 + pick(40);
  while (taken.has(no)) no++;
  return no;
}

const text = (s: string) => new TextEncoder().encode(s);
const varint = (n: number) => {
  const out: number[] = [];
  do {
    out.push((n & 0x7f) | (n >= 0x80 ? 0x80 : 0));
    n = Math.floor(n / 128);
  } while (n > 0);
  return new Uint8Array(out);
};

/** Changes to the encoding, applied to the encoded request's field tree. */
export const WIRE_MUTATIONS: Record<string, (tree: WireNode[], pick: Pick) => void> = {
  'record fields shuffled': (t, p) => {
    const r = one(recordNodes(t), p);
    if (r) shuffle(r.kids!, p);
  },
  'nested fields shuffled': (t, p) => {
    const m = one(nestedNodes(t), p);
    if (m) shuffle(m.kids!, p);
  },
  'map entries reversed': (t, p) => {
    const entry = one(mapEntries(t), p);
    if (!entry) return;
    const owner = [...recordNodes(t), ...nestedNodes(t)].find((n) => n.kids!.includes(entry))!;
    const same = owner.kids!.filter((k) => k.no === entry.no);
    const first = owner.kids!.indexOf(same[0]);
    owner.kids!.splice(first, same.length, ...same.reverse());
  },
  'map key repeated': (t, p) => {
    // The typed decode keeps the last value of a repeated key: never a mere reordering.
    const entry = one(mapEntries(t), p);
    if (!entry) return;
    const owner = [...recordNodes(t), ...nestedNodes(t)].find((n) => n.kids!.includes(entry))!;
    const same = owner.kids!.filter((k) => k.no === entry.no);
    owner.kids!.splice(owner.kids!.indexOf(same[0]) + p(same.length + 1), 0, entry);
  },
  'default written': (t, p) => {
    const m = one([...recordNodes(t), ...nestedNodes(t)], p);
    if (!m?.desc) return;
    const absent = m.desc.fields.filter((f) => !m.kids!.some((k) => k.no === f.number) && zeroNode(f) && !isRuntimeOnly(f));
    const f = one(absent, p);
    if (f) insertInOrder(m.kids!, zeroNode(f)!);
  },
  'unknown field': (t, p) => {
    const places: { kids: WireNode[]; desc: DescMessage | undefined }[] = [
      { kids: t, desc: SaveRequestSchema },
      ...snapshotNodes(t).map((n) => ({ kids: n.kids!, desc: n.desc })),
      ...sectionNodes(t).map((n) => ({ kids: n.kids!, desc: n.desc })),
      ...recordNodes(t).map((n) => ({ kids: n.kids!, desc: n.desc })),
      ...nestedNodes(t).map((n) => ({ kids: n.kids!, desc: n.desc })),
    ];
    const at = one(places, p)!;
    const node: WireNode = p(2) === 0 ? { no: unusedNumber(at.desc, p), wt: WireType.Varint, raw: new Uint8Array([7]) } : { no: unusedNumber(at.desc, p), wt: WireType.LengthDelimited, raw: text('xyz') };
    at.kids.splice(p(at.kids.length + 1), 0, node);
  },
  'unknown field on the envelope': (t, p) => {
    const kinds = [[{ kids: t, desc: SaveRequestSchema as DescMessage }], snapshotNodes(t).map((n) => ({ kids: n.kids!, desc: n.desc })), sectionNodes(t).map((n) => ({ kids: n.kids!, desc: n.desc }))];
    const at = one(one(kinds.filter((k) => k.length > 0), p)!, p)!;
    at.kids.splice(p(at.kids.length + 1), 0, { no: unusedNumber(at.desc, p), wt: WireType.Varint, raw: new Uint8Array([1]) });
  },
  'runtime-only field written': (t, p) => {
    const m = one([...recordNodes(t), ...nestedNodes(t)], p);
    const f = one(m?.desc?.fields.filter(isRuntimeOnly) ?? [], p);
    if (!m || !f) return;
    const zero = p(2) === 0;
    let node: WireNode;
    if (f.fieldKind === 'message') node = { no: f.number, wt: WireType.LengthDelimited, field: f, desc: f.message, kids: [] };
    else if (f.fieldKind === 'scalar' && f.scalar === ScalarType.STRING) node = { no: f.number, wt: WireType.LengthDelimited, field: f, raw: zero ? new Uint8Array(0) : text('rt') };
    else node = { no: f.number, wt: WireType.Varint, field: f, raw: new Uint8Array([zero ? 0 : 5]) };
    insertInOrder(m.kids!, node);
  },
  'length padded': (t, p) => {
    const all: WireNode[] = [];
    const walk = (nodes: WireNode[]) => {
      for (const n of nodes) {
        if (n.wt === WireType.LengthDelimited) all.push(n);
        if (n.kids) walk(n.kids);
      }
    };
    walk(t);
    const n = one(all, p);
    if (n) n.pad = 1 + p(3);
  },
  'record entry length padded': (t, p) => {
    const r = one(recordNodes(t), p);
    if (r) r.pad = 1 + p(3);
  },
  'varint padded': (t, p) => {
    const all: WireNode[] = [];
    const walk = (nodes: WireNode[]) => {
      for (const n of nodes) {
        if (n.wt === WireType.Varint && n.raw && n.raw.length < 9) all.push(n);
        if (n.kids) walk(n.kids);
      }
    };
    walk(recordNodes(t));
    const n = one(all, p);
    if (n) n.pad = 1 + p(2);
  },
  'coordinate -0': (t, p) => {
    const vec = one(nestedNodes(t).filter((n) => n.desc === Vec3Schema), p);
    if (!vec) return;
    const x = Vec3Schema.fields[p(3)];
    vec.kids = vec.kids!.filter((k) => k.no !== x.number);
    insertInOrder(vec.kids, { no: x.number, wt: WireType.Bit64, field: x, raw: new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0x80]) });
  },
  'scalar written twice': (t, p) => {
    const r = one(recordNodes(t), p);
    const k = one(r?.kids!.filter((n) => n.raw && n.field && n.field.fieldKind !== 'map') ?? [], p);
    if (!r || !k) return;
    const other: WireNode = { ...k, raw: k.wt === WireType.LengthDelimited ? text('earlier') : k.wt === WireType.Varint ? new Uint8Array([3]) : k.raw };
    r.kids!.splice(r.kids!.indexOf(k), 0, other); // the later one wins: same data, written twice
  },
  'message split in two': (t, p) => {
    const r = one(recordNodes(t), p);
    const k = one(r?.kids!.filter((n) => n.kids && n.desc && n.kids.length >= 2 && !n.field?.oneof) ?? [], p);
    if (!r || !k) return;
    const cut = 1 + p(k.kids!.length - 1);
    const second: WireNode = { ...k, kids: k.kids!.slice(cut) };
    k.kids = k.kids!.slice(0, cut);
    r.kids!.splice(r.kids!.indexOf(k) + 1, 0, second);
  },
  'two oneof members': (t, p) => {
    const r = one(recordNodes(t).filter((n) => n.kids!.some((k) => k.field?.oneof)), p);
    if (!r) return;
    const member = r.kids!.find((k) => k.field?.oneof)!;
    const other = one(member.field!.oneof!.fields.filter((f) => f.number !== member.no), p)!;
    r.kids!.splice(r.kids!.indexOf(member), 0, { no: other.number, wt: WireType.LengthDelimited, field: other, desc: other.message, kids: [] });
  },
  'snapshot split in two': (t, p) => {
    const s = snapshotNodes(t)[0];
    if (!s || s.kids!.length < 2) return;
    const cut = 1 + p(s.kids!.length - 1);
    t.push({ ...s, kids: s.kids!.slice(cut) });
    s.kids = s.kids!.slice(0, cut);
  },
  'section split in two': (t, p) => {
    const sec = one(sectionNodes(t).filter((n) => n.kids!.length >= 2), p);
    if (!sec) return;
    const owner = snapshotNodes(t).find((n) => n.kids!.includes(sec))!;
    const cut = 1 + p(sec.kids!.length - 1);
    owner.kids!.push({ ...sec, kids: sec.kids!.slice(cut) });
    sec.kids = sec.kids!.slice(0, cut);
  },
  'text with a byte-order mark': (t, p) => {
    const s = one(stringNodes(t), p);
    if (s) s.raw = new Uint8Array([0xef, 0xbb, 0xbf, ...s.raw!]);
  },
  'text not UTF-8': (t, p) => {
    const s = one(stringNodes(t), p);
    if (s) s.raw = new Uint8Array([...s.raw!, 0xff]);
  },
  'odd map key': (t, p) => {
    const entry = one(mapEntries(t), p);
    if (!entry) return;
    const key = entry.kids!.find((k) => k.no === 1);
    if (key) key.raw = text(one(['__proto__', '9lives', 'constructor', ''], p)!);
  },
  'header field in another wire type': (t, p) => {
    const s = snapshotNodes(t)[0] ?? one(sectionNodes(t), p);
    const v = s?.kids!.find((k) => k.wt === WireType.Varint);
    if (!v) return;
    v.wt = WireType.LengthDelimited;
  },
  'non-ASCII text': (t, p) => {
    const s = one(stringNodes(t), p);
    if (s) s.raw = new Uint8Array([...text('é'), ...s.raw!]);
  },
  'uint32 at its largest (5 bytes, canonical)': (t, p) => {
    const s = one(recordNodes(t), p);
    const f = s?.desc?.fields.find((x) => x.fieldKind === 'scalar' && x.scalar === ScalarType.UINT32 && !isRuntimeOnly(x));
    if (!s || !f) return;
    s.kids = s.kids!.filter((k) => k.no !== f.number);
    insertInOrder(s.kids, { no: f.number, wt: WireType.Varint, field: f, raw: varint(2 ** 32 - 1 - p(3)) });
  },
};

/** Each section's record bytes in restore order, as a save request holds them (its encoding, mutations included). */
export function recordBytesBySection(saveBytes: Uint8Array): Uint8Array[][] {
  const out: Uint8Array[][] = COMPILED_MODULES.map(() => []);
  for (const r of recordNodes(parseTree(SaveRequestSchema, saveBytes))) {
    out[COMPILED_MODULES.findIndex((m) => m.sectionDesc === r.field!.parent)].push(writeTree(r.kids!));
  }
  return out;
}

/** Encodes a request; `canonical` first puts every record in canonical form (sorted, maps ascending). */
export function encodeRequest(req: SaveRequest, canonical = false): Uint8Array {
  if (canonical && req.snapshot) {
    for (const { entry, module } of OWNER_MODULES) {
      const section = (req.snapshot as unknown as Record<string, Record<string, Record<string, unknown>[]>>)[entry.section];
      for (const r of section?.[entry.recordField] ?? []) canonicalizeInPlace(module.record, r);
    }
  }
  return toBinary(SaveRequestSchema, req);
}

/** Applies wire mutations by name, then byte-level ones ('truncated', 'byte flipped'). */
export function mutateBytes(bytes: Uint8Array, names: readonly string[], pick: Pick): Uint8Array {
  const tree = parseTree(SaveRequestSchema, bytes);
  for (const name of names) WIRE_MUTATIONS[name]?.(tree, pick);
  let out = writeTree(tree);
  if (names.includes('byte flipped') && out.length > 0) {
    out = Uint8Array.from(out);
    out[pick(out.length)] ^= 1 << pick(8);
  }
  if (names.includes('truncated') && out.length > 1) out = out.subarray(0, pick(out.length));
  return out;
}

/** The request a generated snapshot makes. */
export function requestOf(worldId: string, snapshot: WorldSnapshot, expectedEpoch: bigint, requestId: string): SaveRequest {
  return create(SaveRequestSchema, { worldId, expectedEpoch, requestId, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot });
}

export const BYTE_MUTATIONS = ['truncated', 'byte flipped'] as const;
