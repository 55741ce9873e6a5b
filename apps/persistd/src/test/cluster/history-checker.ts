/**
 * Test-only: a compact checker of one world's save history against what the store holds at the
 * end, for the cluster tests (an app's tests may not import tools/chaos, whose checker also
 * re-reads every epoch through persistd and judges restores made under faults). It judges every
 * epoch 1..pointer and every operation a writer made:
 *
 *   - epochs are contiguous: each of 1..pointer has an intact meta (chunks present, digests
 *     verified) naming that epoch, and nothing is stored above the pointer;
 *   - no double commit: a request id names at most one epoch;
 *   - no commit out of nowhere: each epoch's request id belongs to an operation that was
 *     acknowledged or whose outcome is unknown — never to one told EPOCH_CONFLICT or
 *     STORE_UNAVAILABLE (nothing applied), nor to none;
 *   - no mixed commit: the epoch's content digest is the one that operation's snapshot has;
 *   - one winner per epoch: two operations acknowledged with one epoch is a violation;
 *   - no lost acknowledgement: every acknowledged operation's epoch holds its request id and
 *     digests. Where asynchronous replication may lose one (a crashed master, no WAIT), the
 *     caller allows it: such an operation — its request id in no epoch — is counted as lost
 *     instead; one found in another epoch is still a violation.
 */

/** One save as a writer saw it. */
export interface Operation {
  requestId: string;
  expectedEpoch: bigint;
  /** content_digest of the snapshot sent (computed locally, so known whatever the outcome). */
  contentDigest: string;
  /**
   * ok: acknowledged; conflict: EPOCH_CONFLICT; not-applied: every try answered STORE_UNAVAILABLE
   * (or another refusal); unknown: some try ended without a definitive answer.
   */
  outcome: 'ok' | 'conflict' | 'not-applied' | 'unknown';
  /** For `ok`: what the acknowledgement said. */
  ack?: { epoch: bigint; digest: string; contentDigest: string; replayed: boolean };
}

/** One stored epoch as read at the end; `damage` when it could not be read whole or failed verification. */
export interface StoredEpochFacts {
  epoch: bigint;
  requestId: string;
  contentDigest: string;
  digest: string;
  damage?: string;
}

export interface HistoryVerdict {
  violations: string[];
  /** Acknowledged operations whose commit is in no epoch (only when allowed). */
  lostAcks: Operation[];
  committedEpochs: number;
  acknowledged: number;
  /** Operations with an unknown outcome, and how many of them turned out committed. */
  unknown: number;
  unknownCommitted: number;
}

export function checkHistory(
  ops: readonly Operation[],
  stored: { pointer: bigint; epochs: ReadonlyMap<bigint, StoredEpochFacts | string>; above: boolean },
  options: { allowLostAcks?: boolean } = {},
): HistoryVerdict {
  const violations: string[] = [];
  const lostAcks: Operation[] = [];
  const byRequest = new Map(ops.map((o) => [o.requestId, o]));
  const epochOf = new Map<string, bigint>();

  if (stored.above) violations.push(`something is stored above the pointer ${stored.pointer}`);
  for (let e = 1n; e <= stored.pointer; e++) {
    const facts = stored.epochs.get(e);
    if (facts === undefined || typeof facts === 'string') {
      violations.push(`epoch ${e}: ${facts ?? 'not read'}`);
      continue;
    }
    if (facts.damage) violations.push(`epoch ${e}: ${facts.damage}`);
    if (facts.epoch !== e) violations.push(`epoch ${e}: its meta says epoch ${facts.epoch}`);
    const earlier = epochOf.get(facts.requestId);
    if (earlier !== undefined) violations.push(`double commit: request ${facts.requestId} is epoch ${earlier} and epoch ${e}`);
    epochOf.set(facts.requestId, e);
    const op = byRequest.get(facts.requestId);
    if (!op) violations.push(`epoch ${e}: committed by request ${facts.requestId}, which no writer sent`);
    else if (op.outcome !== 'ok' && op.outcome !== 'unknown') violations.push(`epoch ${e}: committed by request ${op.requestId}, which was told ${op.outcome}`);
    else if (op.contentDigest !== facts.contentDigest) violations.push(`mixed commit: epoch ${e} holds content ${facts.contentDigest}, request ${op.requestId} sent ${op.contentDigest}`);
    if (op && op.expectedEpoch !== e - 1n) violations.push(`epoch ${e}: request ${op.requestId} expected epoch ${op.expectedEpoch}`);
  }

  // A lost acknowledgement (allowed) frees its epoch number for the next winner.
  const winners = new Map<bigint, string>();
  let acknowledged = 0;
  for (const op of ops) {
    if (op.outcome !== 'ok' || !op.ack) continue;
    acknowledged += 1;
    const { epoch } = op.ack;
    if (op.ack.contentDigest !== op.contentDigest) violations.push(`request ${op.requestId} was acknowledged with content ${op.ack.contentDigest}, sent ${op.contentDigest}`);
    const at = epochOf.get(op.requestId);
    if (at === undefined) {
      if (options.allowLostAcks) lostAcks.push(op);
      else violations.push(`lost: request ${op.requestId} was acknowledged as epoch ${epoch}, which does not hold it`);
      continue;
    }
    const other = winners.get(epoch);
    if (other !== undefined && other !== op.requestId) violations.push(`two winners of epoch ${epoch}: ${other} and ${op.requestId}`);
    winners.set(epoch, op.requestId);
    if (at !== epoch) {
      violations.push(`request ${op.requestId} was acknowledged as epoch ${epoch} but is epoch ${at}`);
      continue;
    }
    const facts = stored.epochs.get(epoch);
    if (typeof facts === 'object' && facts.digest !== op.ack.digest) violations.push(`epoch ${epoch} has digest ${facts.digest}, acknowledged ${op.ack.digest}`);
  }

  const unknown = ops.filter((o) => o.outcome === 'unknown');
  return {
    violations,
    lostAcks,
    committedEpochs: Number(stored.pointer),
    acknowledged,
    unknown: unknown.length,
    unknownCommitted: unknown.filter((o) => epochOf.has(o.requestId)).length,
  };
}
