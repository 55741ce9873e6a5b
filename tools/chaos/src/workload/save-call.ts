import { StateSource, type PersistenceService, type TypedClient, type WorldSnapshot } from '@persistd/contract';
import { acknowledged, type HistoryRecorder, type OpRecord, outcomeOfError } from '@persistd/testkit';
import { changesRequestOf } from './change-set';

/** One logical save: the same request id, snapshot and expected epoch on every attempt. */
export interface SaveOp {
  world: string;
  requestId: string;
  expectedEpoch: bigint;
  snapshot: WorldSnapshot;
  /** Client-side content digest of `snapshot`. */
  contentDigest: string;
  /**
   * The content of `expectedEpoch` as the writer knows it (its own last acknowledged save):
   * when set, the op goes as a SaveChanges against it, whose result is `snapshot`.
   */
  base?: WorldSnapshot;
}

/** The typed gRPC client the harness saves with (raw statuses, no SDK classification). */
export type RawClient = TypedClient<typeof PersistenceService>;

/** Makes one Save (or SaveChanges, when the op has a base) call and records it in the history, whatever happens. */
export async function recordedSave(client: RawClient, history: HistoryRecorder, op: SaveOp, deadlineMs: number): Promise<OpRecord> {
  const done = history.begin({ world: op.world, requestId: op.requestId, expectedEpoch: op.expectedEpoch, contentDigest: op.contentDigest });
  try {
    const options = { deadline: Date.now() + deadlineMs };
    const res = op.base
      ? await client.saveChanges(changesRequestOf(op.world, op.requestId, op.expectedEpoch, op.base, op.snapshot), options)
      : await client.save({ worldId: op.world, expectedEpoch: op.expectedEpoch, requestId: op.requestId, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot: op.snapshot }, options);
    return done(acknowledged(res));
  } catch (e) {
    return done(outcomeOfError(e));
  }
}
