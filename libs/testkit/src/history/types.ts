/**
 * The data the history checker works on: what clients did (one OpRecord per Save call) and what
 * the store holds afterwards (a StoreObservation). Plain data, no I/O: the checker is a pure
 * function of the two, so its own tests can feed it any history and any store.
 */

/** How one Save call ended, as the client saw it (DESIGN §3). */
export type Outcome =
  /** The daemon answered OK: the save is committed as `epoch` (or was, `replayed`). */
  | { kind: 'acknowledged'; epoch: bigint; digest: string; contentDigest: string; replayed: boolean }
  /** A status with an ErrorInfo whose reason says the save was not applied. */
  | { kind: 'refused'; code: string; status: number }
  /**
   * UNAVAILABLE, DEADLINE_EXCEEDED or CANCELLED without an ErrorInfo, or COMMIT_OUTCOME_UNKNOWN:
   * the save may or may not have committed.
   */
  | { kind: 'unknown'; status: number; reason?: string; message: string }
  /** Any other status without an ErrorInfo (INTERNAL, UNKNOWN, …): outside DESIGN §3/§4. Treated as unknown. */
  | { kind: 'undeclared'; status: number; message: string };

/** One Save call. Retries of one request id are separate records with the same `requestId`. */
export interface OpRecord {
  /** Order in which calls were started, over the whole history. */
  seq: number;
  world: string;
  requestId: string;
  expectedEpoch: bigint;
  /** content_digest of the submitted snapshot, computed by the client (prepareEpoch on a clone). */
  contentDigest: string;
  /** 1 for the first call with this request id, 2 for its first retry, … */
  attempt: number;
  /** Date.now() when the call was made and when its answer came. */
  startedAt: number;
  endedAt: number;
  outcome: Outcome;
}

/** How one Restore made during the faults ended (DESIGN §1: readers never see a half-written save). */
export type ReadOutcome =
  /** A whole epoch came through the SDK's RestoreDriver; its records digest to `contentDigest`. */
  | { kind: 'restored'; epoch: bigint; contentDigest: string; digest: string }
  /** A status with an ErrorInfo. */
  | { kind: 'refused'; code: string; status: number }
  /** No ErrorInfo: UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED (transport), or anything else (`undeclared`). */
  | { kind: 'failed'; status: number; undeclared: boolean; message: string }
  /** The SDK refused the stream (out of order, counts, epochs): the daemon streamed something wrong. */
  | { kind: 'stream-refused'; reason: string; message: string };

/** One Restore of a world's latest epoch, made while the faults ran. */
export interface ReadRecord {
  world: string;
  startedAt: number;
  endedAt: number;
  outcome: ReadOutcome;
}

/** What the meta of a stored epoch says (EpochMeta). */
export interface ObservedMeta {
  epoch: bigint;
  worldId: string;
  requestId: string;
  digest: string;
  contentDigest: string;
}

/** One retained epoch as read back from Redis and restored through persistd. */
export interface ObservedEpoch {
  epoch: bigint;
  /** Why the stored epoch could not be read or failed verifyStoredEpoch(…, 'full'); undefined when intact. */
  damage?: string;
  meta?: ObservedMeta;
  /**
   * content_digest recomputed from the decoded records themselves (not copied from the meta);
   * present whenever the chunks hash to their ids, even if the records break a structural rule.
   */
  recordsContentDigest?: string;
  /** What persistd's Restore of this epoch handed out, or why it failed. */
  restored?: { contentDigest: string; digest: string } | { error: string };
}

/** What `P:{w}:req:<id>` holds. */
export interface ObservedRequest {
  epoch: bigint;
  contentDigest: string;
  digest: string;
}

/** One world as found after a scenario. */
export interface ObservedWorld {
  world: string;
  /** Set when the world could not be read at all; nothing else is then trusted. */
  error?: string;
  /** The committed-epoch pointer `P:{w}:epoch` (0n: never saved). */
  pointer: bigint;
  /** Epochs whose meta exists, of the last `retention` up to the pointer, ascending. */
  retained: bigint[];
  /** True when a meta exists above the pointer: a commit that wrote its meta without its pointer. */
  metaAbovePointer: boolean;
  /** One entry per retained epoch. */
  epochs: ObservedEpoch[];
  /** persistd's GetWorldStatus answer, or why it failed. */
  status?: { committedEpoch: bigint; retainedEpochs: bigint[]; digest: string; contentDigest: string } | { error: string };
  /** Request id → its stored record, null when absent; ids not read are missing. */
  requests: Record<string, ObservedRequest | null>;
}

/** Everything the checker compares the history with. */
export interface StoreObservation {
  /** PERSISTD_RETENTION of the daemon that wrote the store. */
  retention: number;
  worlds: ObservedWorld[];
}

/** The kinds of broken promise the checker reports. */
export type ViolationKind =
  | 'store-unreadable'
  | 'epoch-sequence'
  | 'status-mismatch'
  | 'damaged-epoch'
  | 'restore-mismatch'
  | 'foreign-content'
  | 'ambiguous-content'
  | 'wrong-request'
  | 'epoch-lineage'
  | 'duplicate-commit'
  | 'lost-ack'
  | 'ack-mismatch'
  | 'request-record-mismatch'
  | 'request-record-missing'
  | 'refused-landed'
  | 'refused-after-commit'
  | 'unresolved-unknown'
  | 'undeclared-status'
  | 'dirty-read';

export interface Violation {
  kind: ViolationKind;
  world: string;
  epoch?: bigint;
  requestId?: string;
  message: string;
}

/** How the unknown outcomes ended, per request id that had one and no acknowledgement. */
export interface Resolution {
  committed: number;
  notCommitted: number;
  unresolved: number;
}

/** What the checker may accept. */
export interface CheckOptions {
  /**
   * Count an acknowledged save that no epoch holds as lost instead of reporting it: what a
   * crashed master may lose under asynchronous replication without WAIT (DESIGN's warn mode).
   */
  allowLostAcks?: boolean;
}

export interface CheckResult {
  violations: Violation[];
  /** With allowLostAcks: the acknowledgement (first attempt) of each save found in no epoch. */
  lostAcks: OpRecord[];
  resolution: Resolution;
  /** Retained epochs examined. */
  epochsChecked: number;
}
