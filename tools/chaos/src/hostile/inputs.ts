import { create, toBinary } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import {
  GetWorldStatusRequestSchema,
  QuestStatus,
  RestoreRequestSchema,
  SaveRequestSchema,
  StateSource,
  ValidateRequestSchema,
  type SaveRequest,
} from '@persistd/contract';
import type { Rng } from '../rng';
import { uniqueSnapshot } from '../workload/snapshots';

/**
 * Hostile request bytes for the four RPCs (pure: everything comes from the Rng). Each generator
 * names itself, so a report can say which kind of input misbehaved.
 */

export type RpcMethod = 'save' | 'validate' | 'getWorldStatus' | 'restore';
export const RPC_METHODS: readonly RpcMethod[] = ['save', 'validate', 'getWorldStatus', 'restore'];

export type InputKind =
  | 'valid'
  | 'mutated-field'
  | 'random-bytes'
  | 'truncated'
  | 'bit-flipped'
  | 'huge-length'
  | 'bad-varint'
  | 'nested-groups'
  | 'nested-messages'
  | 'oversized';

export interface HostileInput {
  method: RpcMethod;
  kind: InputKind;
  bytes: Uint8Array;
}

/** What the generator needs to know about the daemon under test. */
export interface HostileContext {
  /** Worlds the valid requests name (so some saves commit and later ones conflict). */
  worlds: readonly string[];
  /** Best known committed epoch per world (updated by the runner from acknowledgements). */
  epochs: Map<string, bigint>;
  /** PERSISTD_MAX_MESSAGE_BYTES of the daemon: `oversized` inputs exceed it. */
  maxMessageBytes: number;
  /** Operation counter, so valid snapshots are unique. */
  nextOp(): number;
}

/** One hostile input: a method and a generator drawn at random. */
export function hostileInput(rng: Rng, ctx: HostileContext): HostileInput {
  const method = rng.pick(RPC_METHODS);
  const kind = rng.pick<InputKind>(['valid', 'mutated-field', 'mutated-field', 'random-bytes', 'truncated', 'bit-flipped', 'bit-flipped', 'huge-length', 'bad-varint', 'nested-groups', 'nested-messages', 'oversized']);
  const valid = () => validRequest(rng, ctx, method);
  switch (kind) {
    case 'valid':
      return { method, kind, bytes: valid() };
    case 'mutated-field':
      return { method, kind, bytes: method === 'save' || method === 'validate' ? mutatedRequest(rng, ctx, method) : mutatedSmall(rng, method) };
    case 'random-bytes':
      return { method, kind, bytes: rng.bytes(rng.pick([0, 1, 2, 3, 5, 8, 16, 64, 256, 1024, 4096])) };
    case 'truncated': {
      const v = valid();
      return { method, kind, bytes: v.subarray(0, v.length === 0 ? 0 : rng.int(v.length)) };
    }
    case 'bit-flipped':
      return { method, kind, bytes: flipBits(rng, valid(), rng.between(1, 8)) };
    case 'huge-length':
      return { method, kind, bytes: hugeLength(rng, valid()) };
    case 'bad-varint':
      return { method, kind, bytes: badVarint(rng) };
    case 'nested-groups':
      return { method, kind, bytes: nestedGroups(rng.pick([64, 1000, 20_000, 100_000]), rng.between(1, 200)) };
    case 'nested-messages':
      return { method, kind, bytes: nestedMessages(rng, rng.pick([64, 1000, 10_000])) };
    case 'oversized':
      return { method, kind, bytes: oversized(rng, ctx, valid()) };
  }
}

/** A well-formed request for the method, naming one of the context's worlds. */
export function validRequest(rng: Rng, ctx: HostileContext, method: RpcMethod): Uint8Array {
  const worldId = rng.pick(ctx.worlds);
  switch (method) {
    case 'save':
      return toBinary(SaveRequestSchema, validSave(rng, ctx, worldId));
    case 'validate': {
      const s = validSave(rng, ctx, worldId);
      return toBinary(ValidateRequestSchema, create(ValidateRequestSchema, { worldId, expectedEpoch: s.expectedEpoch, source: s.source, snapshot: s.snapshot }));
    }
    case 'getWorldStatus':
      return toBinary(GetWorldStatusRequestSchema, create(GetWorldStatusRequestSchema, { worldId }));
    case 'restore':
      return toBinary(RestoreRequestSchema, create(RestoreRequestSchema, { worldId, epoch: BigInt(rng.int(3)) }));
  }
}

/** A save that passes validation, from the world's known epoch (sometimes a stale one). */
export function validSave(rng: Rng, ctx: HostileContext, worldId: string): SaveRequest {
  const known = ctx.epochs.get(worldId) ?? 0n;
  const expectedEpoch = rng.chance(0.8) || known === 0n ? known : known - 1n;
  const snapshot = uniqueSnapshot(worldId, expectedEpoch, ctx.nextOp(), rng, { players: 3, zones: 4, npcs: 3, items: 8, quests: 3 });
  return create(SaveRequestSchema, { worldId, expectedEpoch, requestId: `h-${rng.hex(10)}`, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot });
}

/**
 * A valid save or validate request with one field set to a value some rule must refuse (or, now
 * and then, one that is still legal): ids out of pattern, non-finite coordinates, a missing
 * section, a foreign source, a stale epoch, dangling references, unknown enums.
 */
function mutatedRequest(rng: Rng, ctx: HostileContext, method: 'save' | 'validate'): Uint8Array {
  const req = validSave(rng, ctx, rng.pick(ctx.worlds));
  const s = req.snapshot!;
  // (the one legal value is unique: a request id reused with other content is REQUEST_ID_REUSED, not a hostile input)
  const weird = rng.pick(['', ' ', 'a{b}', 'a:b', 'x'.repeat(129), 'é', '\u0000', '../..', `ok-${rng.hex(10)}`]);
  const num = rng.pick([NaN, Infinity, -Infinity, -0, 1e308, -1e-308]);
  const mutations: (() => void)[] = [
    () => (req.worldId = weird),
    () => (req.requestId = weird),
    () => (req.source = rng.pick([StateSource.UNSPECIFIED, StateSource.CLIENT, StateSource.EVENT_REPLAY, StateSource.REPLICATION_SNAPSHOT, 99 as StateSource])),
    () => (req.expectedEpoch = rng.pick([0n, 1n, 7n, 2n ** 63n, 2n ** 64n - 1n])),
    () => (s.schemaVersion = rng.pick([0, 2, 99, 0xffffffff])),
    () => (s.players = undefined),
    () => (s.quests = undefined),
    () => (s.world!.worldId = weird),
    () => (s.world!.contentVersion = weird),
    () => (s.npcs!.sourceEpoch = req.expectedEpoch + 1n),
    () => (s.items!.schemaVersion = 2),
    () => (s.players!.players[0]!.playerId = weird),
    () => (s.players!.players[0]!.save!.position!.x = num),
    () => (s.players!.players[0]!.identity!.displayName = rng.pick(['', 'n'.repeat(65)])),
    () => s.players!.players.push({ ...s.players!.players[0]! }),
    () => (s.players!.players[0]!.save!.attributes = { [rng.pick(['9bad', 'bad key', ''])]: 1n }),
    () => (s.items!.items[0]!.quantity = 0),
    () => (s.items!.items[0]!.location = { case: undefined }),
    () => (s.items!.items[0]!.location = { case: 'inventory', value: { $typeName: 'caelmor.persist.v1.InventorySlot', playerId: 'nobody', slot: 0 } }),
    () => (s.npcs!.npcs[0]!.zoneId = 'nowhere'),
    () => (s.quests!.quests[0]!.status = rng.pick([QuestStatus.UNSPECIFIED, 42 as QuestStatus])),
    () => (s.world!.zones[0]!.parentZoneId = s.world!.zones[0]!.zoneId),
    () => (s.world!.zones[0]!.flags = { pvp: 'x'.repeat(rng.pick([1, 70_000])) }),
  ];
  rng.pick(mutations)();
  if (method === 'save') return toBinary(SaveRequestSchema, req);
  return toBinary(ValidateRequestSchema, create(ValidateRequestSchema, { worldId: req.worldId, expectedEpoch: req.expectedEpoch, source: req.source, snapshot: req.snapshot }));
}

/** GetWorldStatus / Restore requests with odd world ids and epochs. */
function mutatedSmall(rng: Rng, method: 'getWorldStatus' | 'restore'): Uint8Array {
  const worldId = rng.pick(['', 'a{b}', 'a:b', '*', 'x'.repeat(129), 'never-saved', '\u00ff\u0000']);
  if (method === 'getWorldStatus') return toBinary(GetWorldStatusRequestSchema, create(GetWorldStatusRequestSchema, { worldId }));
  return toBinary(RestoreRequestSchema, create(RestoreRequestSchema, { worldId, epoch: rng.pick([0n, 1n, 2n ** 64n - 1n]) }));
}

function flipBits(rng: Rng, bytes: Uint8Array, flips: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  if (out.length === 0) return out;
  for (let i = 0; i < flips; i++) out[rng.int(out.length)]! ^= 1 << rng.int(8);
  return out;
}

/** A length-delimited field whose length prefix claims far more bytes than follow. */
function hugeLength(rng: Rng, valid: Uint8Array): Uint8Array {
  const field = rng.pick([1, 3, 5, 4, 99]);
  const length = rng.pick([2 ** 31 - 1, 2 ** 32, 2 ** 53 - 1, 0xfffffff0]);
  const w = new BinaryWriter();
  if (rng.chance(0.5)) w.raw(valid.subarray(0, rng.int(valid.length + 1)));
  w.tag(field, WireType.LengthDelimited);
  // uint64 varint of the claimed length, written byte by byte (BinaryWriter would refuse it)
  let n = BigInt(length) * (rng.chance(0.3) ? 2n ** 10n : 1n);
  do {
    const b = Number(n & 0x7fn);
    n >>= 7n;
    w.raw(Uint8Array.of(n > 0n ? b | 0x80 : b));
  } while (n > 0n);
  w.raw(rng.bytes(rng.int(32)));
  return w.finish();
}

/** Varints that never end or run past 10 bytes, in tag or value position. */
function badVarint(rng: Rng): Uint8Array {
  const run = new Uint8Array(rng.between(10, 40)).fill(0xff);
  return rng.chance(0.5) ? run : Uint8Array.of(0x10, ...run);
}

/** `depth` nested start-group tags of an unknown field, then their end tags (or none). */
export function nestedGroups(depth: number, field: number): Uint8Array {
  const start = new BinaryWriter().tag(field, WireType.StartGroup).finish();
  const end = new BinaryWriter().tag(field, WireType.EndGroup).finish();
  const out = new Uint8Array((start.length + end.length) * depth);
  for (let i = 0; i < depth; i++) out.set(start, i * start.length);
  for (let i = 0; i < depth; i++) out.set(end, depth * start.length + i * end.length);
  return depth % 2 === 0 ? out : out.subarray(0, depth * start.length); // odd depth: never closed
}

/** Length-delimited fields nested `depth` deep under random (often known) field numbers. */
function nestedMessages(rng: Rng, depth: number): Uint8Array {
  let inner: Uint8Array = rng.bytes(rng.int(8));
  for (let i = 0; i < depth; i++) inner = new BinaryWriter().tag(rng.pick([1, 2, 3, 4, 5, 77]), WireType.LengthDelimited).bytes(inner).finish();
  return inner;
}

/** Bytes past the daemon's message size limit: a valid request padded with an unknown field. */
function oversized(rng: Rng, ctx: HostileContext, valid: Uint8Array): Uint8Array {
  const pad = ctx.maxMessageBytes + 1 + rng.int(64 * 1024);
  return new BinaryWriter().raw(valid).tag(1000, WireType.LengthDelimited).bytes(new Uint8Array(pad)).finish();
}
