/**
 * A map key `__proto__` on the wire. protobuf-es cannot encode one (its maps are plain objects,
 * which cannot hold that key), so tests write a stand-in key of the same length and swap its
 * bytes afterwards: every length prefix stays right.
 */
export const PROTO_KEY_STAND_IN = '__protX__';

const STAND_IN = Buffer.from(PROTO_KEY_STAND_IN, 'utf8');
const PROTO = Buffer.from('__proto__', 'utf8');

/** A copy of `bytes` with every stand-in key turned into `__proto__`; throws when there is none. */
export function withProtoMapKeys(bytes: Uint8Array): Buffer {
  const out = Buffer.from(bytes);
  let swapped = 0;
  for (let at = out.indexOf(STAND_IN); at >= 0; at = out.indexOf(STAND_IN, at + STAND_IN.length)) {
    PROTO.copy(out, at);
    swapped++;
  }
  if (swapped === 0) throw new Error(`withProtoMapKeys: no ${PROTO_KEY_STAND_IN} in the bytes`);
  return out;
}
