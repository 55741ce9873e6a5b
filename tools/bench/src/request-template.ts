import { create, toBinary } from '@bufbuild/protobuf';
import { RestoreRequestSchema, SaveRequestSchema, StateSource, type WorldSnapshot } from '@persistd/contract';

/**
 * A save request encoded once, whose world id (request field, world section, request id) is
 * rewritten in place for each world: every world of a run gets its own request bytes without an
 * encode in the timed region. World ids all have WORLD_ID_LENGTH characters.
 */
export const WORLD_ID_LENGTH = 11;
const PLACEHOLDER = 'qQ7xK2mW9pL';

/** A world id of the run: kind (s save, r raw commit, c churn, g ghz), size, a two-digit tag, a number. */
export function worldIdOf(kind: string, size: string, tag: number, n: number): string {
  const id = `${kind}${size}${String(tag).padStart(2, '0')}-${String(n).padStart(6, '0')}`;
  if (id.length !== WORLD_ID_LENGTH) throw new Error(`bench: world id ${id} is not ${WORLD_ID_LENGTH} characters`);
  return id;
}

export class RequestTemplate {
  private readonly offsets: number[];

  private constructor(readonly bytes: Buffer) {
    const needle = Buffer.from(PLACEHOLDER);
    const offsets: number[] = [];
    for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + 1)) offsets.push(at);
    // world_id, request_id (req-<world id>) and the world section's world_id
    if (offsets.length !== 3) throw new Error(`bench: the placeholder world id occurs ${offsets.length} times in the template, expected 3`);
    this.offsets = offsets;
  }

  /** Encodes `snapshot` (its world section's id is overwritten) as a first save (epoch 0) of a placeholder world. */
  static of(snapshot: WorldSnapshot, expectedEpoch = 0n): RequestTemplate {
    snapshot.world!.worldId = PLACEHOLDER;
    const req = create(SaveRequestSchema, { worldId: PLACEHOLDER, expectedEpoch, requestId: `req-${PLACEHOLDER}`, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot });
    const bytes = toBinary(SaveRequestSchema, req);
    return new RequestTemplate(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }

  /** A fresh copy of the request bytes for one world. */
  copyFor(worldId: string): Buffer {
    const out = Buffer.from(this.bytes);
    this.patch(out, worldId);
    return out;
  }

  /** Rewrites a copy made by copyFor to another world (its previous call must have finished). */
  patch(buf: Buffer, worldId: string): void {
    if (worldId.length !== WORLD_ID_LENGTH) throw new Error(`bench: world id ${worldId} is not ${WORLD_ID_LENGTH} characters`);
    for (const at of this.offsets) buf.write(worldId, at, 'latin1');
  }
}

/** A RestoreRequest of the latest epoch of a world. */
export function restoreRequest(worldId: string): Buffer {
  return Buffer.from(toBinary(RestoreRequestSchema, create(RestoreRequestSchema, { worldId, epoch: 0n })));
}
