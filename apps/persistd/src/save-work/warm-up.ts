import { create, toBinary } from '@bufbuild/protobuf';
import { QuestStatus, SaveRequestSchema, StateSource } from '@persistd/contract';
import type { InputLimits } from '@persistd/validation';

/** Times each save thread runs the warm-up save's steps before the daemon listens: enough for V8 to compile the hot paths. */
export const WARM_UP_ROUNDS = 5;

/**
 * Limits the warm-up save is checked under: the defaults, not the configured ones — it only
 * exercises code, and a deployment with tight limits must still start.
 */
export const WARM_UP_LIMITS: InputLimits = { maxRecordsPerSection: 250_000, maxStringBytes: 4096, maxMapEntries: 1024 };

/** The world id of the save threads' warm-up save (never committed: only its steps run); the save path's warm-up commits under ids of its own (lifecycle/warm-save-path.ts). */
export const WARM_UP_WORLD = 'persistd-warm-up';

/** The request id of every warm-up save. */
export const WARM_UP_REQUEST_ID = 'warm-up';

/**
 * A small valid Save request — every section, every item location, references that resolve,
 * maps of several entries written out of key order and nested zones — whose save steps (read,
 * limits, rules, stored form) walk the same code a real save walks. `shuffled` sends the records
 * out of id order too, so the re-encoding path warms as well as the pass-through one. The steps
 * are pure, so running them commits nothing. `worldId` names the world in the request and its
 * world section.
 */
export function warmUpRequest(shuffled = false, worldId = WARM_UP_WORLD): Uint8Array {
  const order = <T>(records: T[]) => (shuffled ? records.reverse() : records);
  const id = (p: string, i: number) => `${p}${String(i).padStart(4, '0')}`;
  const header = { sourceEpoch: 0n, schemaVersion: 1 };
  const n = 200;
  return toBinary(
    SaveRequestSchema,
    create(SaveRequestSchema, {
      worldId,
      expectedEpoch: 0n,
      requestId: WARM_UP_REQUEST_ID,
      source: StateSource.AUTHORITATIVE_RUNTIME,
      snapshot: {
        schemaVersion: 1,
        players: {
          ...header,
          players: order(Array.from({ length: n }, (_, i) => ({
            playerId: id('p', i),
            identity: { accountId: id('acct-', i), displayName: `Player ${i}`, createdAtMs: 1_700_000_000_000n },
            save: { zoneId: id('z', i % n), position: { x: i, y: i / 2, z: 1 }, level: 1 + i, experience: BigInt(i * 100), currency: BigInt(i), attributes: { strength: BigInt(i), agility: BigInt(i % 7) } },
          }))),
        },
        world: {
          ...header,
          worldId,
          contentVersion: 'warm-up',
          zones: order(Array.from({ length: n }, (_, i) => ({ zoneId: id('z', i), templateId: 'zone-tpl', parentZoneId: i < 2 ? '' : id('z', i % 2), flags: (i % 3 === 0 ? { weather: 'rain', pvp: 'off' } : {}) as Record<string, string> }))),
        },
        npcs: {
          ...header,
          npcs: order(Array.from({ length: n }, (_, i) => ({ npcId: id('n', i), templateId: 'npc-tpl', zoneId: id('z', i), position: { x: i, y: 0, z: 0 }, alive: true, health: 100, disposition: 'neutral', flags: (i % 2 === 0 ? { vendor: 'yes', merchant: 'yes' } : {}) as Record<string, string> }))),
        },
        items: {
          ...header,
          items: order(Array.from({ length: 3 * n }, (_, i) => {
            const location =
              i % 3 === 0
                ? { case: 'inventory' as const, value: { playerId: id('p', i % n), slot: Math.floor(i / n) } }
                : i % 3 === 1
                  ? { case: 'ground' as const, value: { zoneId: id('z', i % n), position: { x: i, y: 1, z: 0 } } }
                  : { case: 'heldByNpc' as const, value: { npcId: id('n', i % n) } };
            return { itemId: id('i', i), templateId: 'item-tpl', quantity: 1 + (i % 5), durability: 50, location };
          })),
        },
        quests: {
          ...header,
          quests: order(Array.from({ length: n }, (_, i) => ({ questId: id('q', i), playerId: id('p', i), templateId: 'quest-tpl', stage: i % 4, status: QuestStatus.ACTIVE, objectives: (i % 2 === 0 ? { kill_wolves: i, find_key: 1 } : {}) as Record<string, number> }))),
        },
      },
    }),
  );
}
