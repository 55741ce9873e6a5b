/**
 * Redis Cluster slots (the cluster specification's "Keys distribution model"): a key's slot is
 * CRC16-XMODEM of its hash tag — the text between the first `{` and the next `}`, when not
 * empty — or of the whole key, modulo 16384. Every key of a world carries the tag `{w}`
 * (keys.ts), so a world lives in one slot and its commit can WATCH and EXEC on one master.
 */
import { worldKeys } from './keys';

/** Slots in a Redis Cluster. */
export const CLUSTER_SLOTS = 16384;

const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
})();

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ b) & 0xff]!;
  return crc;
}

/** The slot of a key, exactly as Redis Cluster computes it (hash tags included). */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) key = key.slice(open + 1, close);
  }
  return crc16(Buffer.from(key, 'utf8')) % CLUSTER_SLOTS;
}

/** The slot every key of `worldId` lives in (the prefix does not move it: only the `{w}` tag hashes). */
export function worldSlot(worldId: string, prefix = 'p'): number {
  return keySlot(worldKeys(prefix, worldId).epoch);
}
