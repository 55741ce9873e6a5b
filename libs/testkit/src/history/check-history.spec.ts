import { checkHistory } from './check-history';
import type { ObservedEpoch, ObservedWorld, OpRecord, Outcome, ReadOutcome, ReadRecord, StoreObservation, ViolationKind } from './types';

/**
 * The checker fed hand-made histories and stores: a clean one passes, and each broken promise is
 * reported under its kind. (checker-teeth.spec.ts does the same against a real store broken from
 * the test side.)
 */

const W = 'world-a';
const content = (n: number) => `content-${n}`.padEnd(64, '0');
const digest = (n: number) => `digest-${n}`.padEnd(64, '0');
const rid = (n: number) => `req-${n}`;

let seq = 0;
function op(n: number, expectedEpoch: bigint, outcome: Outcome, extra: Partial<OpRecord> = {}): OpRecord {
  seq++;
  return { seq, world: W, requestId: rid(n), expectedEpoch, contentDigest: content(n), attempt: 1, startedAt: seq * 10, endedAt: seq * 10 + 5, outcome, ...extra };
}
const ack = (epoch: number, n = epoch): Outcome => ({ kind: 'acknowledged', epoch: BigInt(epoch), digest: digest(n), contentDigest: content(n), replayed: false });
const refused = (code = 'EPOCH_CONFLICT'): Outcome => ({ kind: 'refused', code, status: 10 });
const unknown = (): Outcome => ({ kind: 'unknown', status: 14, message: 'connection dropped' });

function epochOf(e: number, n = e): ObservedEpoch {
  return {
    epoch: BigInt(e),
    meta: { epoch: BigInt(e), worldId: W, requestId: rid(n), digest: digest(n), contentDigest: content(n) },
    recordsContentDigest: content(n),
    restored: { contentDigest: content(n), digest: digest(n) },
  };
}

/** A world of `n` acknowledged saves, epochs 1..n, stored exactly as acknowledged. */
function cleanWorld(n: number): { history: OpRecord[]; world: ObservedWorld } {
  const history = Array.from({ length: n }, (_, i) => op(i + 1, BigInt(i), ack(i + 1)));
  const epochs = Array.from({ length: n }, (_, i) => epochOf(i + 1));
  const world: ObservedWorld = {
    world: W,
    pointer: BigInt(n),
    retained: epochs.map((e) => e.epoch),
    metaAbovePointer: false,
    epochs,
    status: { committedEpoch: BigInt(n), retainedEpochs: epochs.map((e) => e.epoch), digest: digest(n), contentDigest: content(n) },
    requests: Object.fromEntries(history.map((h, i) => [h.requestId, { epoch: BigInt(i + 1), contentDigest: content(i + 1), digest: digest(i + 1) }])),
  };
  return { history, world };
}

const read = (outcome: ReadOutcome): ReadRecord => ({ world: W, startedAt: 0, endedAt: 1, outcome });
const observe = (world: ObservedWorld, retention = 50): StoreObservation => ({ retention, worlds: [world] });
const kinds = (history: OpRecord[], obs: StoreObservation): ViolationKind[] => checkHistory(history, obs).violations.map((v) => v.kind);

/** Drops epoch `e` from what was observed, as if its meta were gone. */
function withoutEpoch(world: ObservedWorld, e: bigint): void {
  world.epochs = world.epochs.filter((x) => x.epoch !== e);
  world.retained = world.retained.filter((x) => x !== e);
}

describe('checkHistory', () => {
  it('passes a clean history: every save acknowledged, stored, restored', () => {
    const { history, world } = cleanWorld(4);
    const result = checkHistory(history, observe(world));
    expect(result.violations).toEqual([]);
    expect(result.epochsChecked).toBe(4);
  });

  it('reports a lost acknowledged save (the pointer went back below it)', () => {
    const { history, world } = cleanWorld(3);
    withoutEpoch(world, 3n);
    world.pointer = 2n;
    world.status = { committedEpoch: 2n, retainedEpochs: [1n, 2n], digest: digest(2), contentDigest: content(2) };
    const found = checkHistory(history, observe(world)).violations;
    expect(found.map((v) => v.kind)).toContain('lost-ack');
    expect(found.find((v) => v.kind === 'lost-ack')).toMatchObject({ requestId: rid(3), epoch: 3n });
  });

  it('reports an acknowledged epoch that now holds another save', () => {
    const { history, world } = cleanWorld(3);
    history.push(op(9, 1n, refused()));
    world.epochs[1] = epochOf(2, 9); // epoch 2 holds request 9's content and names request 9
    expect(kinds(history, observe(world))).toEqual(expect.arrayContaining(['lost-ack', 'refused-landed', 'request-record-mismatch']));
  });

  it("reports an epoch mixing two saves' sections (its records match no submitted snapshot)", () => {
    const { history, world } = cleanWorld(3);
    const mixed = 'players-of-1+rest-of-2'.padEnd(64, '0');
    world.epochs[1] = { ...epochOf(2), recordsContentDigest: mixed, meta: { ...epochOf(2).meta!, contentDigest: mixed }, restored: { contentDigest: mixed, digest: digest(2) } };
    const found = checkHistory(history, observe(world)).violations;
    expect(found.map((v) => v.kind)).toContain('foreign-content');
    expect(found.find((v) => v.kind === 'foreign-content')).toMatchObject({ epoch: 2n });
  });

  it('reports records that disagree with their meta (a half-written epoch)', () => {
    const { history, world } = cleanWorld(2);
    world.epochs[0] = { ...epochOf(1), recordsContentDigest: content(2) };
    expect(kinds(history, observe(world))).toContain('damaged-epoch');
  });

  it('reports a request id committed twice', () => {
    const { history, world } = cleanWorld(3);
    const again = { ...epochOf(4, 2) };
    again.meta = { ...again.meta!, epoch: 4n };
    world.epochs.push(again);
    world.retained.push(4n);
    world.pointer = 4n;
    world.status = undefined;
    const found = checkHistory(history, observe(world)).violations;
    expect(found.map((v) => v.kind)).toContain('duplicate-commit');
    expect(found.find((v) => v.kind === 'duplicate-commit')).toMatchObject({ requestId: rid(2) });
  });

  it('reports a request acknowledged as two different epochs', () => {
    const { history, world } = cleanWorld(2);
    history.push(op(2, 1n, ack(3, 2), { attempt: 2 }));
    expect(kinds(history, observe(world))).toContain('duplicate-commit');
  });

  it('reports an epoch gap', () => {
    const { history, world } = cleanWorld(4);
    withoutEpoch(world, 2n);
    world.status = undefined;
    const found = checkHistory(history, observe(world)).violations;
    expect(found.find((v) => v.kind === 'epoch-sequence')).toMatchObject({ epoch: 2n });
  });

  it('reports a meta above the pointer (a commit that landed without its pointer)', () => {
    const { history, world } = cleanWorld(2);
    world.metaAbovePointer = true;
    expect(kinds(history, observe(world))).toEqual(['epoch-sequence']);
  });

  it('reports a refused save that landed anyway', () => {
    const { history, world } = cleanWorld(2);
    history.push(op(7, 2n, refused()));
    world.epochs.push(epochOf(3, 7));
    world.retained.push(3n);
    world.pointer = 3n;
    world.status = undefined;
    world.requests[rid(7)] = { epoch: 3n, contentDigest: content(7), digest: digest(7) };
    const found = checkHistory(history, observe(world)).violations;
    expect(found.map((v) => v.kind)).toEqual(['refused-landed']);
    expect(found[0]).toMatchObject({ requestId: rid(7), epoch: 3n });
  });

  it('does not blame a refused retry when an earlier attempt of the request had an unknown outcome', () => {
    const { history, world } = cleanWorld(2);
    history.push(op(7, 2n, unknown()), op(7, 2n, refused('STORE_UNAVAILABLE'), { attempt: 2 }));
    world.epochs.push(epochOf(3, 7));
    world.retained.push(3n);
    world.pointer = 3n;
    world.status = undefined;
    world.requests[rid(7)] = { epoch: 3n, contentDigest: content(7), digest: digest(7) };
    const result = checkHistory(history, observe(world));
    expect(result.violations).toEqual([]);
    expect(result.resolution).toEqual({ committed: 1, notCommitted: 0, unresolved: 0 });
  });

  it('reports a refusal that came after the request had been acknowledged', () => {
    const { history, world } = cleanWorld(2);
    history.push(op(2, 1n, refused('EPOCH_CONFLICT'), { attempt: 2 }));
    expect(kinds(history, observe(world))).toEqual(['refused-after-commit']);
  });

  it('resolves unknown outcomes to committed once or not committed', () => {
    const { history, world } = cleanWorld(2);
    history.push(op(5, 2n, unknown()), op(6, 2n, unknown()));
    world.epochs.push(epochOf(3, 5));
    world.retained.push(3n);
    world.pointer = 3n;
    world.status = undefined;
    world.requests[rid(5)] = { epoch: 3n, contentDigest: content(5), digest: digest(5) };
    world.requests[rid(6)] = null;
    const result = checkHistory(history, observe(world));
    expect(result.violations).toEqual([]);
    expect(result.resolution).toEqual({ committed: 1, notCommitted: 1, unresolved: 0 });
  });

  it('reports an unknown outcome it cannot resolve (epochs dropped, record unread)', () => {
    const { history, world } = cleanWorld(4);
    history.push(op(8, 1n, unknown()));
    withoutEpoch(world, 1n);
    world.status = undefined;
    const result = checkHistory(history, observe(world, 3));
    expect(result.violations.map((v) => v.kind)).toEqual(['unresolved-unknown']);
    expect(result.resolution.unresolved).toBe(1);
  });

  it('accepts acknowledged epochs that retention dropped', () => {
    const { history, world } = cleanWorld(5);
    withoutEpoch(world, 1n);
    withoutEpoch(world, 2n);
    world.status = undefined;
    expect(checkHistory(history, observe(world, 3)).violations).toEqual([]);
  });

  it('reports an epoch whose maker expected another epoch', () => {
    const { history, world } = cleanWorld(3);
    history[2] = { ...history[2]!, expectedEpoch: 0n };
    expect(kinds(history, observe(world))).toEqual(['epoch-lineage']);
  });

  it("reports an epoch whose meta names a request other than the one whose records it holds", () => {
    const { history, world } = cleanWorld(2);
    world.epochs[1] = { ...epochOf(2), meta: { ...epochOf(2).meta!, requestId: rid(1) } };
    expect(kinds(history, observe(world))).toEqual(expect.arrayContaining(['wrong-request', 'duplicate-commit', 'lost-ack']));
  });

  it('reports an acknowledgement whose content or digest is not what was stored', () => {
    const { history, world } = cleanWorld(2);
    history[1] = { ...history[1]!, outcome: { ...(ack(2) as Extract<Outcome, { kind: 'acknowledged' }>), digest: digest(99) } };
    expect(kinds(history, observe(world))).toEqual(['ack-mismatch']);
    history[1] = { ...history[1]!, outcome: { ...(ack(2) as Extract<Outcome, { kind: 'acknowledged' }>), contentDigest: content(99) } };
    expect(kinds(history, observe(world))).toEqual(['ack-mismatch']);
  });

  it('reports a damaged epoch and a restore that differs from the store', () => {
    const { history, world } = cleanWorld(3);
    world.epochs[0] = { epoch: 1n, damage: 'DIGEST_MISMATCH: chunk does not hash to its id' };
    world.epochs[2] = { ...epochOf(3), restored: { contentDigest: content(1), digest: digest(3) } };
    expect(kinds(history, observe(world))).toEqual(expect.arrayContaining(['damaged-epoch', 'restore-mismatch']));
  });

  it('reports a committed request whose request record is gone (a retry would commit twice)', () => {
    const { history, world } = cleanWorld(2);
    world.requests[rid(2)] = null;
    expect(kinds(history, observe(world))).toEqual(['request-record-missing']);
  });

  it('reports GetWorldStatus disagreeing with the store', () => {
    const { history, world } = cleanWorld(2);
    world.status = { committedEpoch: 1n, retainedEpochs: [1n], digest: digest(1), contentDigest: content(1) };
    expect(kinds(history, observe(world))).toEqual(['status-mismatch']);
  });

  it('reports a status outside DESIGN §3/§4 and a world it could not read', () => {
    const { history, world } = cleanWorld(1);
    history.push(op(3, 1n, { kind: 'undeclared', status: 13, message: 'internal error' }));
    const other: ObservedWorld = { world: 'world-b', error: 'connection refused', pointer: 0n, retained: [], metaAbovePointer: false, epochs: [], requests: {} };
    world.requests[rid(3)] = null;
    const found = checkHistory(history, { retention: 50, worlds: [world, other] }).violations;
    expect(found.map((v) => [v.kind, v.world])).toEqual([
      ['undeclared-status', W],
      ['store-unreadable', 'world-b'],
    ]);
  });

  it('accepts reads made during the faults that saw whole committed epochs, and transport failures', () => {
    const { history, world } = cleanWorld(3);
    const reads: ReadRecord[] = [
      read({ kind: 'restored', epoch: 2n, contentDigest: content(2), digest: digest(2) }),
      read({ kind: 'refused', code: 'STORE_UNAVAILABLE', status: 14 }),
      read({ kind: 'failed', status: 14, undeclared: false, message: 'connection refused' }),
    ];
    expect(checkHistory(history, observe(world), reads).violations).toEqual([]);
  });

  it('reports a read that saw a half-written or mixed save, another epoch than stored, or damage', () => {
    const { history, world } = cleanWorld(3);
    const reads: ReadRecord[] = [
      read({ kind: 'restored', epoch: 3n, contentDigest: 'half'.padEnd(64, '0'), digest: digest(3) }),
      read({ kind: 'restored', epoch: 2n, contentDigest: content(1), digest: digest(1) }),
      read({ kind: 'restored', epoch: 4n, contentDigest: content(3), digest: digest(3) }),
      read({ kind: 'refused', code: 'DIGEST_MISMATCH', status: 15 }),
      read({ kind: 'stream-refused', reason: 'count-mismatch', message: 'items 3, activation says 4' }),
      read({ kind: 'failed', status: 13, undeclared: true, message: 'internal error' }),
    ];
    const found = checkHistory(history, observe(world), reads).violations.map((v) => v.kind);
    expect(found).toEqual(['dirty-read', 'dirty-read', 'dirty-read', 'dirty-read', 'dirty-read', 'undeclared-status']);
  });

  it('reports content that two requests submitted (so no epoch can be attributed)', () => {
    const { history, world } = cleanWorld(2);
    history.push({ ...op(8, 1n, refused()), contentDigest: content(2) });
    expect(kinds(history, observe(world))).toContain('ambiguous-content');
  });
});

/**
 * The cluster suites' allowance: under asynchronous replication without WAIT a crashed master may
 * lose what it acknowledged. Such a save is counted, not reported; everything else still is.
 */
describe('checkHistory with lost acknowledgements allowed', () => {
  /** Requests 1 and 2 both acknowledged as epoch 2 (the master that acknowledged 1 crashed); 2 is stored. */
  function failedOver(): { history: OpRecord[]; world: ObservedWorld } {
    const { history, world } = cleanWorld(2);
    history.splice(1, 1, op(1_1, 1n, ack(2, 1_1)), op(2, 1n, ack(2)));
    return { history, world };
  }
  const allowed = { allowLostAcks: true };

  it('counts an acknowledged save found in no epoch, and the next winner of its epoch is no violation', () => {
    const { history, world } = failedOver();
    const result = checkHistory(history, observe(world), [], allowed);
    expect(result.violations).toEqual([]);
    expect(result.lostAcks.map((o) => o.requestId)).toEqual([rid(1_1)]);
  });

  it('counts a lost save above the pointer the same way', () => {
    const { history, world } = cleanWorld(2);
    history.push(op(3, 2n, ack(3)));
    const result = checkHistory(history, observe(world), [], allowed);
    expect(result.violations).toEqual([]);
    expect(result.lostAcks.map((o) => o.requestId)).toEqual([rid(3)]);
  });

  it('still reports a save found in another epoch than acknowledged', () => {
    const { history, world } = cleanWorld(3);
    history.push(op(2, 1n, ack(3, 2), { attempt: 2 }));
    const result = checkHistory(history, observe(world), [], allowed);
    expect(result.violations.map((v) => v.kind)).toContain('duplicate-commit');
    expect(result.lostAcks).toEqual([]);
  });

  it('reports a lost acknowledgement when not allowed, and collects none', () => {
    const { history, world } = failedOver();
    const result = checkHistory(history, observe(world));
    expect(result.violations.map((v) => v.kind)).toEqual(['lost-ack']);
    expect(result.lostAcks).toEqual([]);
  });
});
