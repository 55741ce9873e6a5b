import { create } from '@bufbuild/protobuf';
import { RestorePhase, RestoreResponseSchema } from '@persistd/contract';
import fc from 'fast-check';
import { RestoreSequence } from './restore-sequence';
import { expectedPhaseOf, RESTORE_STEPS, type RestorePayloadCase } from './restore-steps';
import { isRestoreSequenceError, RestoreSequenceError, type SequenceRefusal } from './sequence-error';

/**
 * Sequences are written as space-separated tokens: P W N I Q A are players, world, npcs, items,
 * quests and activation under their own phase; `N:WORLD` declares another phase (a name or a
 * number); `-` is a message without payload; any other lowercase word is an unknown payload.
 */
const LETTERS: Record<string, RestorePayloadCase> = { P: 'players', W: 'world', N: 'npcs', I: 'items', Q: 'quests', A: 'activation' };

interface Msg {
  phase: RestorePhase;
  payloadCase: RestorePayloadCase | undefined;
}

function parse(seq: string): Msg[] {
  return seq
    .split(' ')
    .filter((t) => t.length > 0)
    .map((token) => {
      const [what, declared] = token.split(':');
      const payloadCase = what === '-' ? undefined : ((LETTERS[what] ?? what) as RestorePayloadCase);
      let phase = payloadCase ? expectedPhaseOf(payloadCase) : RestorePhase.PLAYERS;
      if (declared !== undefined) phase = /^\d+$/.test(declared) ? Number(declared) : RestorePhase[declared as keyof typeof RestorePhase];
      return { phase, payloadCase };
    });
}

/** Feeds a sequence then finish(); the refusal and where it happened (`finish` or an index). */
function run(seq: string): { refusal?: RestoreSequenceError; at?: number | 'finish' } {
  const s = new RestoreSequence();
  const msgs = parse(seq);
  for (let i = 0; i < msgs.length; i++) {
    try {
      s.accept(msgs[i].phase, msgs[i].payloadCase);
    } catch (e) {
      if (!isRestoreSequenceError(e)) throw e;
      return { refusal: e, at: i };
    }
  }
  try {
    s.finish();
  } catch (e) {
    if (!isRestoreSequenceError(e)) throw e;
    return { refusal: e, at: 'finish' };
  }
  return {};
}

describe('RestoreSequence: legal sequences', () => {
  it.each(['P W N I Q A', 'P P P W N I Q A', 'P W W N N N I Q Q A', 'P P W W N N I I Q Q A'])('accepts %s', (seq) => {
    expect(run(seq)).toEqual({});
  });

  it('numbers the messages of each section and names its owner', () => {
    const s = new RestoreSequence();
    const accepted = parse('P P W N I I I Q A').map((m) => s.accept(m.phase, m.payloadCase));
    expect(accepted.map((a) => [a.payloadCase, a.chunk, a.owner?.name])).toEqual([
      ['players', 0, 'player'],
      ['players', 1, 'player'],
      ['world', 0, 'world'],
      ['npcs', 0, 'npc'],
      ['items', 0, 'item'],
      ['items', 1, 'item'],
      ['items', 2, 'item'],
      ['quests', 0, 'quest'],
      ['activation', 0, undefined],
    ]);
  });

  it('says what it expects next at every step', () => {
    const s = new RestoreSequence();
    expect(s.expectedNext()).toEqual(['players']);
    s.accept(RestorePhase.PLAYERS, 'players');
    expect(s.expectedNext()).toEqual(['players', 'world']);
    s.accept(RestorePhase.WORLD, 'world');
    s.accept(RestorePhase.BOUND, 'npcs');
    expect(s.expectedNext()).toEqual(['npcs', 'items']);
    s.accept(RestorePhase.BOUND, 'items');
    s.accept(RestorePhase.BOUND, 'quests');
    expect(s.expectedNext()).toEqual(['quests', 'activation']);
    expect(s.complete).toBe(false);
    s.accept(RestorePhase.ACTIVATION, 'activation');
    expect(s.expectedNext()).toEqual([]);
    expect(s.complete).toBe(true);
  });

  it('lets finish() be called again after a complete sequence', () => {
    const s = new RestoreSequence();
    for (const m of parse('P W N I Q A')) s.accept(m.phase, m.payloadCase);
    expect(() => s.finish()).not.toThrow();
    expect(() => s.finish()).not.toThrow();
  });

  it('accepts whole RestoreResponse messages', () => {
    const s = new RestoreSequence();
    const msgs = [
      create(RestoreResponseSchema, { phase: RestorePhase.PLAYERS, payload: { case: 'players', value: {} } }),
      create(RestoreResponseSchema, { phase: RestorePhase.WORLD, payload: { case: 'world', value: {} } }),
      create(RestoreResponseSchema, { phase: RestorePhase.BOUND, payload: { case: 'npcs', value: {} } }),
      create(RestoreResponseSchema, { phase: RestorePhase.BOUND, payload: { case: 'items', value: {} } }),
      create(RestoreResponseSchema, { phase: RestorePhase.BOUND, payload: { case: 'quests', value: {} } }),
      create(RestoreResponseSchema, { phase: RestorePhase.ACTIVATION, payload: { case: 'activation', value: {} } }),
    ];
    for (const m of msgs) s.acceptMessage(m);
    expect(s.complete).toBe(true);
  });
});

describe('RestoreSequence: illegal sequences', () => {
  // [sequence, reason, where it is refused: index of the message or 'finish']
  const table: [string, SequenceRefusal, number | 'finish'][] = [
    ['', 'missing-phase', 'finish'],
    ['W P N I Q A', 'out-of-order', 0],
    ['N', 'out-of-order', 0],
    ['P N I Q A', 'out-of-order', 1],
    ['P W I N Q A', 'out-of-order', 2],
    ['P W N Q A', 'out-of-order', 3],
    ['P W N I Q Q W', 'repeated-phase', 6],
    ['P W P', 'repeated-phase', 2],
    ['P W W P W', 'repeated-phase', 3],
    ['P W N I N', 'repeated-phase', 4],
    ['P W N I Q I A', 'repeated-phase', 5],
    ['A', 'missing-phase', 0],
    ['P A', 'missing-phase', 1],
    ['P W A', 'missing-phase', 2],
    ['P W N I A', 'missing-phase', 4],
    ['P', 'missing-phase', 'finish'],
    ['P W N I', 'missing-phase', 'finish'],
    ['P W N I Q', 'missing-phase', 'finish'],
    ['P W N I Q A P', 'after-activation', 6],
    ['P W N I Q A A', 'after-activation', 6],
    ['P W N I Q A -', 'after-activation', 6],
    ['P W N I Q A Q:ACTIVATION', 'after-activation', 6],
    ['P:WORLD', 'phase-payload-mismatch', 0],
    ['P:UNSPECIFIED', 'phase-payload-mismatch', 0],
    ['P W:PLAYERS', 'phase-payload-mismatch', 1],
    ['P W N:WORLD', 'phase-payload-mismatch', 2],
    ['P W N I:99', 'phase-payload-mismatch', 3],
    ['P W N I Q:ACTIVATION A', 'phase-payload-mismatch', 4],
    ['P W N I Q A:BOUND', 'phase-payload-mismatch', 5],
    ['-', 'unknown-payload', 0],
    ['P W -:WORLD', 'unknown-payload', 2],
    ['P W zones:WORLD', 'unknown-payload', 2],
  ];

  it.each(table)('refuses "%s" as %s at %s', (seq, reason, at) => {
    const result = run(seq);
    expect(result.refusal?.reason).toBe(reason);
    expect(result.at).toBe(at);
  });

  it('reports what was offered and what was expected', () => {
    const { refusal } = run('P W I');
    expect(refusal).toBeInstanceOf(RestoreSequenceError);
    expect(refusal!.detail).toEqual({ phase: RestorePhase.BOUND, payloadCase: 'items', expected: ['world', 'npcs'] });
    expect(refusal!.message).toBe('restore sequence out-of-order: items (phase BOUND) arrived while expecting world or npcs');
  });

  it('stays refused: every later call throws the same error', () => {
    const s = new RestoreSequence();
    s.accept(RestorePhase.PLAYERS, 'players');
    let first: unknown;
    try {
      s.accept(RestorePhase.BOUND, 'npcs');
    } catch (e) {
      first = e;
    }
    expect(s.refusal).toBe(first);
    expect(() => s.accept(RestorePhase.WORLD, 'world')).toThrow(first as Error);
    expect(() => s.finish()).toThrow(first as Error);
  });
});

/** Oracle: the legal prefixes of P+ W+ N+ I+ Q+ A, and the legal wholes, as regular expressions. */
const LEGAL_PREFIX = /^(P+(W+(N+(I+(Q+(A)?)?)?)?)?)?$/;
const LEGAL_WHOLE = /^P+W+N+I+Q+A$/;
const letterOf = (c: RestorePayloadCase) => Object.keys(LETTERS).find((k) => LETTERS[k] === c)!;

describe('RestoreSequence: agrees with the grammar P+ W+ N+ I+ Q+ A', () => {
  const caseArb = fc.constantFrom(...RESTORE_STEPS);
  const msgArb = fc.record({ payloadCase: caseArb, wrongPhase: fc.nat(19) }).map(({ payloadCase, wrongPhase }) => ({
    payloadCase,
    // one message in twenty declares a phase other than its payload's
    phase: wrongPhase === 0 ? ((expectedPhaseOf(payloadCase) % 4) + 1) as RestorePhase : expectedPhaseOf(payloadCase),
  }));

  /** Legal sequences with 1-3 chunks a section, then damaged in one of a few ways (or not). */
  const nearLegalArb = fc
    .tuple(fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 5, maxLength: 5 }), fc.nat(3), fc.nat(100), fc.nat(100))
    .map(([chunks, damage, i, j]) => {
      const msgs: Msg[] = RESTORE_STEPS.flatMap((c, k) => Array.from({ length: k < 5 ? chunks[k] : 1 }, () => ({ payloadCase: c, phase: expectedPhaseOf(c) })));
      const a = i % msgs.length;
      const b = j % msgs.length;
      if (damage === 1) msgs.splice(a, 1); // drop one message
      if (damage === 2) [msgs[a], msgs[b]] = [msgs[b], msgs[a]]; // swap two
      if (damage === 3) msgs.splice(b, 0, msgs[a]); // repeat one elsewhere
      return msgs;
    });

  const check = (msgs: Msg[]) => {
    const phasesOk = msgs.map((m) => m.phase === expectedPhaseOf(m.payloadCase!));
    const letters = msgs.map((m) => letterOf(m.payloadCase!));
    // The oracle's refusal point: the first message that makes the prefix illegal.
    let firstBad: number | 'finish' | undefined;
    for (let k = 0; k < msgs.length && firstBad === undefined; k++) {
      if (!phasesOk[k] || !LEGAL_PREFIX.test(letters.slice(0, k + 1).join(''))) firstBad = k;
    }
    if (firstBad === undefined && !LEGAL_WHOLE.test(letters.join(''))) firstBad = 'finish';
    const result = run(msgs.map((m, k) => `${letters[k]}:${m.phase}`).join(' '));
    expect(result.at).toBe(firstBad);
  };

  it('refuses exactly where the grammar stops (random messages)', () => {
    fc.assert(fc.property(fc.array(msgArb, { maxLength: 14 }), check), { numRuns: 2000 });
  });

  it('refuses exactly where the grammar stops (damaged legal sequences)', () => {
    fc.assert(fc.property(nearLegalArb, check), { numRuns: 2000 });
  });
});
