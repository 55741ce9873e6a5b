import { checkHistory, type Operation, type StoredEpochFacts } from './history-checker';

/** The checker's teeth: each kind of broken history is reported, a sound one is not. */
describe('history checker', () => {
  const op = (requestId: string, expectedEpoch: bigint, outcome: Operation['outcome'], ackEpoch?: bigint): Operation => ({
    requestId,
    expectedEpoch,
    contentDigest: `c-${requestId}`,
    outcome,
    ...(ackEpoch !== undefined ? { ack: { epoch: ackEpoch, digest: `d-${requestId}`, contentDigest: `c-${requestId}`, replayed: false } } : {}),
  });
  const facts = (epoch: bigint, requestId: string, extra: Partial<StoredEpochFacts> = {}): StoredEpochFacts => ({ epoch, requestId, contentDigest: `c-${requestId}`, digest: `d-${requestId}`, ...extra });
  const stored = (list: Array<StoredEpochFacts | string>, above = false) => ({ pointer: BigInt(list.length), epochs: new Map(list.map((f, i) => [BigInt(i + 1), f] as const)), above });

  const sound = [op('a', 0n, 'ok', 1n), op('b', 0n, 'conflict'), op('c', 1n, 'unknown'), op('d', 2n, 'unknown'), op('e', 2n, 'not-applied')];

  it('a sound history: no violation; unknown outcomes counted, committed or not', () => {
    const v = checkHistory(sound, stored([facts(1n, 'a'), facts(2n, 'c')]));
    expect(v).toEqual({ violations: [], lostAcks: [], committedEpochs: 2, acknowledged: 1, unknown: 2, unknownCommitted: 1 });
  });

  it.each([
    ['a gap', stored([facts(1n, 'a'), 'MISSING_COMPONENT: meta of retained epoch 2 is absent']), /^epoch 2: MISSING_COMPONENT/],
    ['damage at rest', stored([facts(1n, 'a', { damage: 'DIGEST_MISMATCH: x' })]), /^epoch 1: DIGEST_MISMATCH/],
    ['a double commit', stored([facts(1n, 'a'), facts(2n, 'a')]), /^double commit: request a/],
    ['a commit by a request told EPOCH_CONFLICT', stored([facts(1n, 'a'), facts(2n, 'b')]), /committed by request b, which was told conflict/],
    ['a commit by a request told STORE_UNAVAILABLE', stored([facts(1n, 'a'), facts(2n, 'c'), facts(3n, 'e')]), /committed by request e, which was told not-applied/],
    ['a commit nobody sent', stored([facts(1n, 'a'), facts(2n, 'zz')]), /request zz, which no writer sent/],
    ['a mixed commit', stored([facts(1n, 'a'), facts(2n, 'c', { contentDigest: 'c-d' })]), /^mixed commit: epoch 2/],
    ['a lost acknowledgement', stored([facts(1n, 'c')]), /^lost: request a was acknowledged as epoch 1/],
    ['a meta above the pointer', stored([facts(1n, 'a')], true), /above the pointer/],
  ])('reports %s', (_name, history, message) => {
    expect(checkHistory(sound, history).violations).toContainEqual(expect.stringMatching(message));
  });

  it('reports two acknowledged winners of one epoch', () => {
    const ops = [op('a', 0n, 'ok', 1n), op('b', 0n, 'ok', 1n)];
    expect(checkHistory(ops, stored([facts(1n, 'a'), facts(2n, 'b', { epoch: 2n })])).violations).toContainEqual(expect.stringMatching(/acknowledged as epoch 1 but is epoch 2/));
  });

  it('where lost acknowledgements are allowed, counts them instead, and the next winner of that epoch is no violation', () => {
    const ops = [op('a', 0n, 'ok', 1n), op('b', 0n, 'ok', 1n)];
    const v = checkHistory(ops, stored([facts(1n, 'b')]), { allowLostAcks: true });
    expect(v.violations).toEqual([]);
    expect(v.lostAcks.map((o) => o.requestId)).toEqual(['a']);
  });
});
