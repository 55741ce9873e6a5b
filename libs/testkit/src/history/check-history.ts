/**
 * The history checker: given every Save call a scenario made and what the store holds afterwards,
 * it proves (or reports, one Violation per broken promise) that
 *
 *   - epochs of a world rise by one, without gaps or duplicates, and no meta lies above the
 *     pointer (a half-applied commit);
 *   - every retained epoch is intact (full verification) and restores through persistd to the
 *     same records;
 *   - every retained epoch equals exactly one submitted snapshot, whole: the content digest
 *     recomputed from its records matches exactly one request's, never a mix of saves' sections;
 *     its meta names that request, and that request expected the epoch before it;
 *   - no request id produced two epochs;
 *   - every acknowledged save is present (until retention drops it) and its epoch holds it —
 *     unless the caller allows lost acknowledgements (asynchronous replication without WAIT may
 *     lose what a crashed master acknowledged): a save then found in no epoch is counted in
 *     `lostAcks` instead; one found in another epoch than acknowledged is still a violation;
 *   - a request refused on every attempt never landed;
 *   - every unknown outcome resolves to committed once or not committed;
 *   - a Restore made while the faults ran saw a whole committed epoch (the one stored under that
 *     number) or a refusal that is not damage: never a half-written or mixed save.
 *
 * Pure: no I/O, no clock. Inputs are plain data (types.ts).
 */
import type { CheckOptions, CheckResult, ObservedEpoch, ObservedWorld, OpRecord, ReadRecord, Resolution, StoreObservation, Violation, ViolationKind } from './types';

/** Refusals that say "the store could not be reached", which any attempt may meet. */
const OUTAGE_CODES: ReadonlySet<string> = new Set(['STORE_UNAVAILABLE']);

export function checkHistory(history: readonly OpRecord[], observation: StoreObservation, reads: readonly ReadRecord[] = [], options: CheckOptions = {}): CheckResult {
  const violations: Violation[] = [];
  const lostAcks: OpRecord[] = [];
  const resolution: Resolution = { committed: 0, notCommitted: 0, unresolved: 0 };
  let epochsChecked = 0;

  const opsByWorld = groupBy(history, (op) => op.world);
  const readsByWorld = groupBy(reads, (r) => r.world);
  const observed = new Map(observation.worlds.map((w) => [w.world, w]));
  const worlds = [...new Set([...opsByWorld.keys(), ...readsByWorld.keys(), ...observed.keys()])].sort();

  for (const world of worlds) {
    const ops = opsByWorld.get(world) ?? [];
    const report = (kind: ViolationKind, message: string, at: { epoch?: bigint; requestId?: string } = {}) => violations.push({ kind, world, ...at, message });
    for (const op of ops) {
      if (op.outcome.kind === 'undeclared') {
        report('undeclared-status', `attempt ${op.attempt} was answered with status ${op.outcome.status} and no ErrorInfo: ${op.outcome.message}`, { requestId: op.requestId });
      }
    }
    const w = observed.get(world);
    if (!w || w.error) {
      report('store-unreadable', w?.error ?? 'the world was not observed after the scenario');
      continue;
    }
    epochsChecked += w.epochs.length;
    const window = retainedWindow(w.pointer, observation.retention);
    checkSequence(w, window, report);
    const landed = checkEpochs(w, ops, report);
    checkRequests(w, ops, window, landed, resolution, report, options.allowLostAcks ? lostAcks : undefined);
    checkReads(w, ops, readsByWorld.get(world) ?? [], window, report);
  }
  return { violations, resolution, epochsChecked, lostAcks };
}

type Report = (kind: ViolationKind, message: string, at?: { epoch?: bigint; requestId?: string }) => void;

/** The epochs that must be retained: the last `retention` up to the pointer. */
function retainedWindow(pointer: bigint, retention: number): { from: bigint; to: bigint } {
  const from = pointer - BigInt(retention) + 1n;
  return { from: from < 1n ? 1n : from, to: pointer };
}

const inWindow = (e: bigint, win: { from: bigint; to: bigint }) => e >= win.from && e <= win.to;

/** Epochs rise by one: exactly the window is retained, each once, nothing above the pointer. */
function checkSequence(w: ObservedWorld, window: { from: bigint; to: bigint }, report: Report): void {
  const expected: bigint[] = [];
  for (let e = window.from; e <= window.to; e++) expected.push(e);
  const missing = expected.filter((e) => !w.retained.includes(e));
  const extra = w.retained.filter((e) => !inWindow(e, window));
  if (missing.length > 0) report('epoch-sequence', `epochs ${missing.join(', ')} are missing below committed epoch ${w.pointer} (a gap)`, { epoch: missing[0] });
  if (extra.length > 0) report('epoch-sequence', `epochs ${extra.join(', ')} are reported outside the retained window ${window.from}..${window.to}`, { epoch: extra[0] });
  const seen = new Set<bigint>();
  for (const e of w.epochs) {
    if (seen.has(e.epoch)) report('epoch-sequence', `epoch ${e.epoch} appears twice`, { epoch: e.epoch });
    seen.add(e.epoch);
  }
  if (w.metaAbovePointer) report('epoch-sequence', `a meta exists for epoch ${w.pointer + 1n}, above committed epoch ${w.pointer}: a commit landed without its pointer`, { epoch: w.pointer + 1n });

  const st = w.status;
  if (st && 'error' in st) {
    report('status-mismatch', `GetWorldStatus failed after the scenario: ${st.error}`);
  } else if (st) {
    const top = w.epochs.find((e) => e.epoch === w.pointer)?.meta;
    const same = st.committedEpoch === w.pointer && st.retainedEpochs.join(',') === w.retained.join(',') && (w.pointer === 0n || (st.digest === top?.digest && st.contentDigest === top?.contentDigest));
    if (!same) {
      report('status-mismatch', `GetWorldStatus says epoch ${st.committedEpoch} (retained ${st.retainedEpochs.join(',')}), Redis holds ${w.pointer} (retained ${w.retained.join(',')})`);
    }
  }
}

/**
 * Each retained epoch: intact, restored identically, and exactly one submitted snapshot made by
 * the request its meta names, which expected the epoch before it. Returns request id → epochs.
 */
function checkEpochs(w: ObservedWorld, ops: readonly OpRecord[], report: Report): Map<string, bigint[]> {
  const owners = new Map<string, Set<string>>(); // content digest → request ids that submitted it
  for (const op of ops) (owners.get(op.contentDigest) ?? owners.set(op.contentDigest, new Set()).get(op.contentDigest)!).add(op.requestId);
  const firstOf = new Map<string, OpRecord>();
  for (const op of ops) if (!firstOf.has(op.requestId)) firstOf.set(op.requestId, op);
  const landed = new Map<string, bigint[]>();

  for (const e of w.epochs) {
    const at = { epoch: e.epoch };
    if (e.damage || !e.meta) report('damaged-epoch', `epoch ${e.epoch} does not verify: ${e.damage ?? 'no meta'}`, at);
    if (!e.meta || (e.damage && e.recordsContentDigest === undefined)) continue; // nothing to attribute
    const meta = e.meta;
    if (meta.epoch !== e.epoch || meta.worldId !== w.world) {
      report('damaged-epoch', `epoch ${e.epoch} holds the meta of ${meta.worldId} epoch ${meta.epoch}`, at);
    }
    const content = contentOf(e);
    if (content !== meta.contentDigest) report('damaged-epoch', `epoch ${e.epoch}: its records digest to ${short(content)}, its meta says ${short(meta.contentDigest)}`, at);
    checkRestored(e, content, meta.digest, report);

    const submitters = owners.get(content);
    if (!submitters) {
      report('foreign-content', `epoch ${e.epoch} (request ${meta.requestId}) equals no submitted snapshot: a mix of saves' sections, or data no client sent`, { ...at, requestId: meta.requestId });
    } else if (submitters.size > 1) {
      report('ambiguous-content', `epoch ${e.epoch} equals the snapshots of several requests (${[...submitters].join(', ')})`, at);
    } else if (!submitters.has(meta.requestId)) {
      report('wrong-request', `epoch ${e.epoch} holds the snapshot of request ${[...submitters][0]} but its meta names request ${meta.requestId}`, { ...at, requestId: meta.requestId });
    }
    const maker = firstOf.get(meta.requestId);
    if (maker && maker.expectedEpoch !== e.epoch - 1n) {
      report('epoch-lineage', `epoch ${e.epoch} was made by request ${meta.requestId}, which expected epoch ${maker.expectedEpoch}, not ${e.epoch - 1n}`, { ...at, requestId: meta.requestId });
    }
    (landed.get(meta.requestId) ?? landed.set(meta.requestId, []).get(meta.requestId)!).push(e.epoch);
  }
  for (const [requestId, epochs] of landed) {
    if (epochs.length > 1) report('duplicate-commit', `request ${requestId} produced epochs ${epochs.join(' and ')}`, { epoch: epochs[1], requestId });
  }
  return landed;
}

/** The content digest of an epoch's records (recomputed when available, else the meta's). */
function contentOf(e: ObservedEpoch): string {
  return e.recordsContentDigest ?? e.meta!.contentDigest;
}

function checkRestored(e: ObservedEpoch, content: string, digest: string, report: Report): void {
  const r = e.restored;
  if (!r) return;
  if ('error' in r) {
    report('restore-mismatch', `persistd could not restore epoch ${e.epoch}: ${r.error}`, { epoch: e.epoch });
  } else if (r.contentDigest !== content || r.digest !== digest) {
    report('restore-mismatch', `persistd restored epoch ${e.epoch} as records ${short(r.contentDigest)} / digest ${short(r.digest)}; stored ${short(content)} / ${short(digest)}`, { epoch: e.epoch });
  }
}

/**
 * Per request id: acknowledgements kept, refusals never landed, unknowns resolved. With
 * `lostAcks`, an acknowledged save that no epoch holds is collected there instead of reported.
 */
function checkRequests(
  w: ObservedWorld,
  ops: readonly OpRecord[],
  window: { from: bigint; to: bigint },
  landed: Map<string, bigint[]>,
  resolution: Resolution,
  report: Report,
  lostAcks?: OpRecord[],
): void {
  const epochAt = new Map(w.epochs.map((e) => [e.epoch, e]));
  const someDropped = window.from > 1n;
  for (const [requestId, attempts] of groupBy(ops, (op) => op.requestId)) {
    const at = { requestId };
    const record = w.requests[requestId]; // undefined: not read; null: absent
    const epochs = landed.get(requestId) ?? [];
    const acks = attempts.filter((a) => a.outcome.kind === 'acknowledged');
    const submitted = attempts[0]!.contentDigest;
    if (attempts.some((a) => a.contentDigest !== submitted || a.expectedEpoch !== attempts[0]!.expectedEpoch)) {
      report('ambiguous-content', `request ${requestId} was sent with different snapshots or expected epochs (a harness error)`, at);
    }

    // What the store says about this request.
    if (record && epochs.length === 1 && record.epoch !== epochs[0]) {
      report('request-record-mismatch', `request ${requestId} made epoch ${epochs[0]} but its record says epoch ${record.epoch}`, { ...at, epoch: epochs[0] });
    }
    if (record && record.contentDigest !== submitted) {
      report('request-record-mismatch', `the record of request ${requestId} holds content ${short(record.contentDigest)}, it submitted ${short(submitted)}`, at);
    }
    if (record && epochs.length === 0 && inWindow(record.epoch, window)) {
      report('request-record-mismatch', `request ${requestId} is recorded as epoch ${record.epoch}, which holds request ${epochAt.get(record.epoch)?.meta?.requestId ?? '(nothing)'}`, { ...at, epoch: record.epoch });
    }
    if (record === null && epochs.length > 0) {
      report('request-record-missing', `request ${requestId} made epoch ${epochs[0]} but its request record is gone: a retry would commit it again`, { ...at, epoch: epochs[0] });
    }
    if (record && record.epoch > w.pointer) {
      report('request-record-mismatch', `request ${requestId} is recorded as epoch ${record.epoch}, above committed epoch ${w.pointer}`, { ...at, epoch: record.epoch });
    }
    const committed = epochs.length > 0 || !!record;

    // Acknowledged saves are kept.
    const ackEpochs = [...new Set(acks.map((a) => (a.outcome as { epoch: bigint }).epoch))];
    if (ackEpochs.length > 1) report('duplicate-commit', `request ${requestId} was acknowledged as epochs ${ackEpochs.join(' and ')}`, at);
    for (const a of acks) {
      const ack = a.outcome as Extract<OpRecord['outcome'], { kind: 'acknowledged' }>;
      const where = { ...at, epoch: ack.epoch };
      if (ack.contentDigest !== a.contentDigest) {
        report('ack-mismatch', `attempt ${a.attempt} of ${requestId} was acknowledged with content ${short(ack.contentDigest)}, it submitted ${short(a.contentDigest)}`, where);
      }
      if (lostAcks && epochs.length === 0 && (ack.epoch > w.pointer || inWindow(ack.epoch, window))) {
        lostAcks.push(a);
        break; // one entry per request: its other acknowledgements name the same epoch
      }
      if (ack.epoch > w.pointer) {
        report('lost-ack', `request ${requestId} was acknowledged as epoch ${ack.epoch}, but the committed epoch is ${w.pointer}`, where);
        continue;
      }
      if (!inWindow(ack.epoch, window)) {
        if (record && record.epoch !== ack.epoch) report('lost-ack', `request ${requestId} was acknowledged as epoch ${ack.epoch}; its record says ${record.epoch}`, where);
        continue; // dropped by retention, as it should be
      }
      const e = epochAt.get(ack.epoch);
      if (!e || !e.meta) {
        report('lost-ack', `request ${requestId} was acknowledged as epoch ${ack.epoch}, which is gone`, where);
      } else if (e.meta.requestId !== requestId || contentOf(e) !== a.contentDigest) {
        report('lost-ack', `request ${requestId} was acknowledged as epoch ${ack.epoch}, which now holds request ${e.meta.requestId} (${short(contentOf(e))})`, where);
      } else if (e.meta.digest !== ack.digest) {
        report('ack-mismatch', `request ${requestId} was acknowledged with digest ${short(ack.digest)}; epoch ${ack.epoch} has ${short(e.meta.digest)}`, where);
      }
    }

    // Refusals never land.
    const refusals = attempts.filter((a) => a.outcome.kind === 'refused');
    if (committed && refusals.length === attempts.length) {
      const codes = [...new Set(refusals.map((r) => (r.outcome as { code: string }).code))].join(', ');
      report('refused-landed', `request ${requestId} was refused (${codes}) on every attempt, yet it is committed${epochs.length ? ` as epoch ${epochs[0]}` : ''}`, { ...at, epoch: epochs[0] ?? record?.epoch });
    }
    for (const r of refusals) {
      const code = (r.outcome as { code: string }).code;
      if (OUTAGE_CODES.has(code)) continue;
      const ackBefore = acks.find((a) => a.endedAt <= r.startedAt && a.contentDigest === r.contentDigest);
      if (ackBefore) {
        report('refused-after-commit', `attempt ${r.attempt} of ${requestId} was refused ${code} after attempt ${ackBefore.attempt} had been acknowledged: a retry must be answered with the original commit`, at);
      }
    }

    // Unknown outcomes resolve.
    // (an acknowledged retry resolves them too: the acknowledgement was checked above)
    const unknown = attempts.some((a) => a.outcome.kind === 'unknown' || a.outcome.kind === 'undeclared');
    if (unknown) {
      if (acks.length > 0 || committed) resolution.committed++; // two epochs are reported as duplicate-commit above
      else if (record === null || (record === undefined && !someDropped)) resolution.notCommitted++;
      else {
        resolution.unresolved++;
        report('unresolved-unknown', `request ${requestId} had an unknown outcome and neither its epochs nor its record could be read`, at);
      }
    }
  }
}

/** Codes that mean a reader met damage at rest (DESIGN §4's restore checks). */
const DAMAGE_CODES: ReadonlySet<string> = new Set(['MISSING_COMPONENT', 'DIGEST_MISMATCH', 'MIXED_EPOCH', 'MIXED_VERSION', 'UNSUPPORTED_VERSION']);
const DATA_LOSS = 15;

/** Reads made during the faults saw whole epochs, the ones stored under their numbers. */
function checkReads(w: ObservedWorld, ops: readonly OpRecord[], reads: readonly ReadRecord[], window: { from: bigint; to: bigint }, report: Report): void {
  const submitted = new Set(ops.map((op) => op.contentDigest));
  const epochAt = new Map(w.epochs.map((e) => [e.epoch, e]));
  for (const r of reads) {
    const o = r.outcome;
    if (o.kind === 'stream-refused') report('dirty-read', `a restore during the faults was refused by the SDK (${o.reason}): ${o.message}`);
    else if (o.kind === 'refused' && (DAMAGE_CODES.has(o.code) || o.status === DATA_LOSS)) report('dirty-read', `a restore during the faults met damage: ${o.code}`);
    else if (o.kind === 'failed' && o.undeclared) report('undeclared-status', `a restore was answered with status ${o.status} and no ErrorInfo: ${o.message}`);
    else if (o.kind === 'restored') {
      const at = { epoch: o.epoch };
      if (!submitted.has(o.contentDigest)) {
        report('dirty-read', `a restore during the faults got epoch ${o.epoch} with records ${short(o.contentDigest)}, which no client submitted (half-written or mixed)`, at);
        continue;
      }
      if (o.epoch > w.pointer) {
        report('dirty-read', `a restore during the faults got epoch ${o.epoch}, above today's committed epoch ${w.pointer}: it read a commit that did not last`, at);
        continue;
      }
      const stored = inWindow(o.epoch, window) ? epochAt.get(o.epoch) : undefined;
      if (stored?.meta && (contentOf(stored) !== o.contentDigest || stored.meta.digest !== o.digest)) {
        report('dirty-read', `a restore during the faults got epoch ${o.epoch} as ${short(o.contentDigest)} / ${short(o.digest)}; it is stored as ${short(contentOf(stored))} / ${short(stored.meta.digest)}`, at);
      }
    }
  }
}

function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const x of xs) (out.get(key(x)) ?? out.set(key(x), []).get(key(x))!).push(x);
  return out;
}

const short = (digest: string) => digest.slice(0, 12);
