import { ActivationState, type OwnerSystem } from '@persistd/contract';
import { OWNER_SYSTEMS } from '@persistd/ownership';

/** Records restored per system, as the activation counted them and the driver verified. */
export interface RestoredCounts {
  readonly players: number;
  readonly zones: number;
  readonly npcs: number;
  readonly items: number;
  readonly quests: number;
}

/** What the driver verified about a whole restore. */
export interface RestoredWorldInit {
  worldId: string;
  epoch: bigint;
  digest: string;
  contentDigest: string;
  schemaVersion: number;
  contentVersion: string;
  counts: RestoredCounts;
}

/**
 * A world restored in full and verified, and still inactive (DESIGN §1: everything restored is
 * inactive until the game server activates it). Only the RestoreDriver makes one, after the
 * activation message and the end of the stream, so holding one means the restore was whole.
 */
export class RestoredWorld {
  readonly worldId: string;
  readonly epoch: bigint;
  /** Identifies the committed epoch (DESIGN §5). */
  readonly digest: string;
  /** Identifies the records alone: equal for equal content in any epoch. */
  readonly contentDigest: string;
  readonly schemaVersion: number;
  readonly contentVersion: string;
  readonly counts: RestoredCounts;
  #active = false;

  /** @internal Built by the RestoreDriver. */
  constructor(init: RestoredWorldInit) {
    this.worldId = init.worldId;
    this.epoch = init.epoch;
    this.digest = init.digest;
    this.contentDigest = init.contentDigest;
    this.schemaVersion = init.schemaVersion;
    this.contentVersion = init.contentVersion;
    this.counts = Object.freeze({ ...init.counts });
  }

  /** False until activate(): the game server must not run restored state before then. */
  get isActive(): boolean {
    return this.#active;
  }

  /** The state of one owner system; UNSPECIFIED for a value that is not an owner system. */
  activationState(system: OwnerSystem): ActivationState {
    if (!OWNER_SYSTEMS.some((e) => e.system === system)) return ActivationState.UNSPECIFIED;
    return this.#active ? ActivationState.ACTIVE : ActivationState.INACTIVE;
  }

  /** Every owner system with its state, in restore order. */
  activationStates(): { system: OwnerSystem; state: ActivationState }[] {
    return OWNER_SYSTEMS.map((e) => ({ system: e.system, state: this.activationState(e.system) }));
  }

  /** Marks every system active: the game server has put the world in play. Repeatable. */
  activate(): void {
    this.#active = true;
  }
}
