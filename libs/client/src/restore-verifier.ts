import { ActivationState, type ActivationEligibility, type RestoreResponse } from '@persistd/contract';
import { OWNER_SYSTEMS, type OwnerEntry } from '@persistd/ownership';
import { RestoreRefusedError, type RestoreRefusal } from './restore-refusal';
import type { RestoredCounts, RestoredWorldInit } from './restored-world';

/** A payload that is one owner system's section (not the activation). */
export type SectionPayload = Exclude<RestoreResponse['payload'], { case: 'activation' } | { case: undefined }>;
type CountField = OwnerEntry['recordField'];

/** Records one section message carries. */
export function recordsIn(payload: SectionPayload): number {
  switch (payload.case) {
    case 'players':
      return payload.value.players.length;
    case 'world':
      return payload.value.zones.length;
    case 'npcs':
      return payload.value.npcs.length;
    case 'items':
      return payload.value.items.length;
    case 'quests':
      return payload.value.quests.length;
  }
}

/**
 * @internal The checks the phase order cannot make: every message of one restore must agree on
 * the epoch, the world and the versions, and the activation must vouch for exactly what arrived.
 * One instance per restore; the RestoreDriver calls it on each message, in order, after the
 * RestoreSequence accepted the message and before any handler sees it.
 */
export class RestoreVerifier {
  #epoch: bigint | undefined;
  #schemaVersion: number | undefined;
  #contentVersion: string | undefined;
  #worldId: string | undefined;
  readonly #tally: Record<CountField, number> = { players: 0, zones: 0, npcs: 0, items: 0, quests: 0 };
  #index = 0;

  /** worldId/epoch: what was asked for; epoch 0 or undefined means the latest. */
  constructor(worldId?: string, epoch?: bigint) {
    this.#worldId = worldId || undefined;
    this.#epoch = epoch && epoch > 0n ? epoch : undefined;
  }

  /** The restored epoch once the first message fixed it. */
  get epoch(): bigint | undefined {
    return this.#epoch;
  }

  /** Checks a message's epoch; call for every message, first. */
  message(message: RestoreResponse, index: number): bigint {
    this.#index = index;
    if (this.#epoch === undefined) {
      if (message.epoch === 0n) this.#refuse('epoch-mismatch', 'the stream names epoch 0, which is never committed');
      this.#epoch = message.epoch;
    } else if (message.epoch !== this.#epoch) {
      this.#refuse('epoch-mismatch', `message epoch ${message.epoch} is not the restored epoch ${this.#epoch}`);
    }
    return this.#epoch;
  }

  /** Checks a section message's header against the rest and counts its records. */
  section(payload: SectionPayload, owner: OwnerEntry): number {
    const section = payload.value;
    if (section.sourceEpoch !== this.#epoch) {
      this.#refuse('epoch-mismatch', `${payload.case} source_epoch ${section.sourceEpoch} is not the restored epoch ${this.#epoch}`);
    }
    this.#schemaVersion ??= section.schemaVersion;
    if (section.schemaVersion !== this.#schemaVersion) {
      this.#refuse('version-mismatch', `${payload.case} schema_version ${section.schemaVersion} differs from ${this.#schemaVersion}`);
    }
    if (payload.case === 'world') {
      this.#worldId ??= payload.value.worldId;
      if (payload.value.worldId !== this.#worldId) this.#refuse('world-mismatch', `the world section names ${payload.value.worldId}, not ${this.#worldId}`);
      this.#contentVersion ??= payload.value.contentVersion;
      if (payload.value.contentVersion !== this.#contentVersion) {
        this.#refuse('version-mismatch', `world content_version ${payload.value.contentVersion} differs from ${this.#contentVersion}`);
      }
    }
    const records = recordsIn(payload);
    this.#tally[owner.recordField] += records;
    return records;
  }

  /** Checks the activation against everything received; what the RestoredWorld will hold. */
  activation(a: ActivationEligibility): RestoredWorldInit {
    if (a.epoch !== this.#epoch) this.#refuse('epoch-mismatch', `activation epoch ${a.epoch} is not the restored epoch ${this.#epoch}`);
    if (a.worldId !== this.#worldId) this.#refuse('world-mismatch', `activation names world ${a.worldId}, not ${this.#worldId}`);
    if (a.schemaVersion !== this.#schemaVersion) {
      this.#refuse('version-mismatch', `activation schema_version ${a.schemaVersion} differs from the sections' ${this.#schemaVersion}`);
    }
    const listed = OWNER_SYSTEMS.map((e) => a.systems.filter((s) => s.system === e.system));
    const bad = OWNER_SYSTEMS.filter((_, i) => listed[i].length !== 1 || listed[i][0].state !== ActivationState.INACTIVE);
    if (a.systems.length !== OWNER_SYSTEMS.length || bad.length > 0) {
      const which = bad.length > 0 ? bad.map((e) => e.name).join(', ') : 'an unknown system';
      this.#refuse('activation-state', `the activation must list each of the five systems once, INACTIVE; ${which} is not`);
    }
    const counts = a.counts;
    const wrong = OWNER_SYSTEMS.filter((e) => (counts?.[e.recordField] ?? -1) !== this.#tally[e.recordField]);
    if (wrong.length > 0) {
      const what = wrong.map((e) => `${e.recordField} ${this.#tally[e.recordField]} received, ${counts?.[e.recordField] ?? 'none'} counted`);
      this.#refuse('count-mismatch', what.join('; '));
    }
    const restoredCounts: RestoredCounts = { ...this.#tally };
    return {
      worldId: a.worldId,
      epoch: a.epoch,
      digest: a.digest,
      contentDigest: a.contentDigest,
      schemaVersion: a.schemaVersion,
      contentVersion: this.#contentVersion ?? '',
      counts: restoredCounts,
    };
  }

  #refuse(reason: RestoreRefusal, message: string): never {
    throw new RestoreRefusedError(reason, message, this.#index);
  }
}
