import type { RestoreResponse } from '@persistd/contract';
import { isRestoreSequenceError, RestoreSequence } from '@persistd/restore-sequence';
import type { RestoreHandlers, SectionContext } from './restore-handlers';
import { RestoreRefusedError } from './restore-refusal';
import { RestoredWorld } from './restored-world';
import { RestoreVerifier, type SectionPayload } from './restore-verifier';

/** What the restore was asked for, so the stream can be held to it. */
export interface RestoreDriverOptions {
  /** The world requested; the world section and the activation must name it. */
  worldId?: string;
  /** The epoch requested; 0 or absent accepts the epoch of the first message (the latest). */
  epoch?: bigint;
}

/**
 * Applies a restore stream to a game server's handlers (DESIGN §1, §3). Every message goes
 * through the shared RestoreSequence and the RestoreVerifier before any handler sees it, so the
 * handlers run in phase order only, on one epoch of one world; the first thing that is not so
 * throws a RestoreRefusedError, and no handler runs after it. The world it returns is inactive.
 *
 * The counts and the activation arrive last, so a count mismatch is found after the handlers
 * ran: they stage, and only a RestoredWorld in hand means the staged state may be used.
 */
export class RestoreDriver {
  constructor(
    private readonly handlers: RestoreHandlers,
    private readonly options: RestoreDriverOptions = {},
  ) {}

  /**
   * Consumes the stream to its end. Stops iterating (which lets the source cancel the call) on
   * a refusal or when a handler throws; the handler's error is rethrown as it is.
   */
  async run(stream: AsyncIterable<RestoreResponse>): Promise<RestoredWorld> {
    const sequence = new RestoreSequence();
    const verifier = new RestoreVerifier(this.options.worldId, this.options.epoch);
    let world: RestoredWorld | undefined;
    let index = 0;
    for await (const message of stream) {
      const accepted = sequenced(index, () => sequence.acceptMessage(message));
      const epoch = verifier.message(message, index);
      const payload = message.payload;
      if (payload.case === 'activation') {
        world = new RestoredWorld(verifier.activation(payload.value));
      } else if (payload.case !== undefined) {
        const records = verifier.section(payload, accepted.owner!);
        const context: SectionContext = { system: accepted.owner!.system, phase: message.phase, epoch, chunk: accepted.chunk, records };
        await this.#dispatch(payload, context);
      }
      index++;
    }
    sequenced(undefined, () => sequence.finish());
    return world!; // finish() passed, so the activation arrived and made it
  }

  #dispatch(payload: SectionPayload, context: SectionContext): void | Promise<void> {
    switch (payload.case) {
      case 'players':
        return this.handlers.player(payload.value, context);
      case 'world':
        return this.handlers.world(payload.value, context);
      case 'npcs':
        return this.handlers.npc(payload.value, context);
      case 'items':
        return this.handlers.item(payload.value, context);
      case 'quests':
        return this.handlers.quest(payload.value, context);
    }
  }
}

/** Runs one step of the sequence; its refusal becomes the driver's, at that message (or at the end). */
function sequenced<T>(index: number | undefined, step: () => T): T {
  try {
    return step();
  } catch (e) {
    if (isRestoreSequenceError(e)) throw new RestoreRefusedError(e.reason, e.description, index, { cause: e });
    throw e;
  }
}
