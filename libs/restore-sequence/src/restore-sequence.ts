import type { RestorePhase, RestoreResponse } from '@persistd/contract';
import type { OwnerEntry } from '@persistd/ownership';
import { RestoreSequenceError, type SequenceRefusal } from './sequence-error';
import { expectedPhaseOf, ownerOfPayload, phaseName, RESTORE_STEPS, stepIndexOf, type RestorePayloadCase } from './restore-steps';

/** What an accepted message is, so callers dispatch on it instead of re-deriving it. */
export interface AcceptedMessage {
  payloadCase: RestorePayloadCase;
  phase: RestorePhase;
  /** The owner system of a section; undefined for the activation. */
  owner: OwnerEntry | undefined;
  /** Index of this message within its section: 0 starts the section, then 1, 2... per chunk. */
  chunk: number;
}

const ACTIVATION = RESTORE_STEPS.indexOf('activation');

/**
 * THE state machine of restore phases (DESIGN §1, §3): players (≥1 message), world (≥1), then
 * within BOUND npcs (≥1), items (≥1), quests (≥1), then the activation exactly once, last.
 *
 * The daemon runs every message it is about to send through one instance, and the client every
 * message it is about to apply through another, so an out-of-order stream can neither leave the
 * daemon nor reach a game server's handlers. Anything else throws a RestoreSequenceError, and
 * after the first refusal the instance refuses everything (it never resynchronises).
 */
export class RestoreSequence {
  /** Index in RESTORE_STEPS of the step in progress; -1 before the first message. */
  #step = -1;
  /** Messages accepted in the current step, minus one. */
  #chunk = -1;
  #refusal: RestoreSequenceError | undefined;

  /** True once the activation was accepted: the sequence is whole. */
  get complete(): boolean {
    return this.#step === ACTIVATION;
  }

  /** The refusal this sequence is stuck on, if any. */
  get refusal(): RestoreSequenceError | undefined {
    return this.#refusal;
  }

  /** The payloads the next message may carry: the current section again, or the next step. */
  expectedNext(): readonly RestorePayloadCase[] {
    if (this.#step === ACTIVATION) return [];
    if (this.#step < 0) return [RESTORE_STEPS[0]];
    return [RESTORE_STEPS[this.#step], RESTORE_STEPS[this.#step + 1]];
  }

  /**
   * Accepts the next message, given its declared phase and its payload case (the daemon knows
   * both without building the message). Throws RestoreSequenceError when it may not come now.
   */
  accept(phase: RestorePhase, payloadCase: RestorePayloadCase | undefined): AcceptedMessage {
    if (this.#refusal) throw this.#refusal;
    const what = `${payloadCase ?? 'no payload'} (phase ${phaseName(phase)})`;
    if (this.#step === ACTIVATION) this.#refuse('after-activation', `${what} after the activation`, phase, payloadCase);
    const step = stepIndexOf(payloadCase);
    if (step < 0 || payloadCase === undefined) this.#refuse('unknown-payload', `${what} is not a restore payload`, phase, payloadCase);
    const expectedPhase = expectedPhaseOf(payloadCase);
    if (phase !== expectedPhase) {
      this.#refuse('phase-payload-mismatch', `${payloadCase} belongs to phase ${phaseName(expectedPhase)}, not ${phaseName(phase)}`, phase, payloadCase);
    }
    if (step < this.#step) {
      this.#refuse('repeated-phase', `${what} came back after ${RESTORE_STEPS[this.#step]}`, phase, payloadCase);
    }
    if (step > this.#step + 1) {
      const reason: SequenceRefusal = step === ACTIVATION ? 'missing-phase' : 'out-of-order';
      this.#refuse(reason, `${what} arrived while expecting ${this.expectedNext().join(' or ')}`, phase, payloadCase);
    }
    this.#chunk = step === this.#step ? this.#chunk + 1 : 0;
    this.#step = step;
    return { payloadCase, phase, owner: ownerOfPayload(payloadCase), chunk: this.#chunk };
  }

  /** accept() for a whole message (the client's side). */
  acceptMessage(message: Pick<RestoreResponse, 'phase' | 'payload'>): AcceptedMessage {
    return this.accept(message.phase, message.payload.case);
  }

  /**
   * Declares the stream ended. Throws `missing-phase` unless the activation was accepted, so a
   * stream cut short is refused even when every message in it was legal. Repeatable.
   */
  finish(): void {
    if (this.#refusal) throw this.#refusal;
    if (!this.complete) {
      this.#refuse('missing-phase', `the stream ended while expecting ${this.expectedNext().join(' or ')}`, undefined, undefined);
    }
  }

  #refuse(reason: SequenceRefusal, message: string, phase: RestorePhase | undefined, payloadCase: string | undefined): never {
    this.#refusal = new RestoreSequenceError(reason, message, { phase, payloadCase, expected: this.expectedNext() });
    throw this.#refusal;
  }
}
