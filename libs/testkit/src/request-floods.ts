import { create, toBinary } from '@bufbuild/protobuf';
import { SaveRequestSchema, StateSource } from '@persistd/contract';
import { smallWorld } from './world-generator';

/**
 * Save requests that are small on the wire but would be huge once read: floods of records, map
 * entries and string bytes, for tests and the hostile suite that check memory follows the
 * daemon's limits (DESIGN §7). Each is a valid small save followed by a second `snapshot`
 * (SaveRequest field 5), which a decoder merges into the first.
 */

const MIB = 1024 * 1024;

/** A length-delimited field: tag, varint length, payload. */
export function lengthDelimited(fieldNumber: number, payload: Buffer): Buffer {
  const len: number[] = [];
  for (let n = payload.length; ; n >>>= 7) {
    if (n < 0x80) {
      len.push(n);
      break;
    }
    len.push((n & 0x7f) | 0x80);
  }
  return Buffer.concat([Buffer.from([(fieldNumber << 3) | 2]), Buffer.from(len), payload]);
}

/** The encoded save of `smallWorld(world)` at epoch 0. */
export function smallSaveBytes(world: string, requestId = `req-${world}`): Buffer {
  return Buffer.from(toBinary(SaveRequestSchema, create(SaveRequestSchema, { worldId: world, expectedEpoch: 0n, requestId, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot: smallWorld(world) })));
}

/** A small save of `world` plus `inner` as the payload of WorldSnapshot field `section` (2 players, 3 world, 4 npcs). */
function withSection(world: string, section: number, inner: Buffer): Buffer {
  return Buffer.concat([smallSaveBytes(world), lengthDelimited(5, lengthDelimited(section, inner))]);
}

/** Empty PlayerRecords (PlayerSection field 3), two bytes each: `bytes` of them (default 16 MiB). */
export function recordFlood(world: string, bytes = 16 * MIB): Buffer {
  const records = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i += 2) records[i] = (3 << 3) | 2;
  return withSection(world, 2, records);
}

/** One more NpcRecord (NpcSection field 3) whose `flags` map (field 8) has `entries` distinct keys. */
export function mapEntryFlood(world: string, entries = 1_000_000): Buffer {
  const parts: Buffer[] = [lengthDelimited(1, Buffer.from('npc-flood'))];
  for (let i = 0; i < entries; i++) parts.push(lengthDelimited(8, lengthDelimited(1, Buffer.from(i.toString(36)))));
  return withSection(world, 4, lengthDelimited(3, Buffer.concat(parts)));
}

/** One more ZoneRecord (WorldSection field 5) whose `flags` value `mood` is one string of `bytes` (default 16 MiB). */
export function stringFlood(world: string, bytes = 16 * MIB): Buffer {
  const entry = Buffer.concat([lengthDelimited(1, Buffer.from('mood')), lengthDelimited(2, Buffer.alloc(bytes, 0x61))]);
  return withSection(world, 3, lengthDelimited(5, Buffer.concat([lengthDelimited(1, Buffer.from('zone-flood')), lengthDelimited(4, entry)])));
}
