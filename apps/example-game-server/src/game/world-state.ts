/**
 * The example game's live state: plain runtime objects, shaped for the game, not for storage.
 * Some fields are runtime-only (sessions, AI state, targets): they never persist, and the
 * mapping to records (persistence/to-records.ts) simply does not carry them.
 */

export interface Vec {
  x: number;
  y: number;
  z: number;
}

export interface Player {
  id: string;
  accountId: string;
  name: string;
  createdAtMs: bigint;
  zoneId: string;
  pos: Vec;
  level: number;
  xp: bigint;
  gold: bigint;
  attributes: Map<string, bigint>;
  /** Runtime only: the network session, gone on restart. */
  sessionId?: string;
}

export interface Zone {
  id: string;
  templateId: string;
  /** Empty for a top-level zone. */
  parentId: string;
  flags: Map<string, string>;
}

export interface Npc {
  id: string;
  templateId: string;
  zoneId: string;
  pos: Vec;
  alive: boolean;
  health: number;
  disposition: string;
  flags: Map<string, string>;
  /** Runtime only: what the AI is doing. */
  aiState: string;
}

/** Where an item is: exactly one place, as the item system owns it. */
export type ItemPlace = { kind: 'inventory'; playerId: string; slot: number } | { kind: 'ground'; zoneId: string; pos: Vec } | { kind: 'npc'; npcId: string };

export interface Item {
  id: string;
  templateId: string;
  quantity: number;
  durability: number;
  place: ItemPlace;
}

export type QuestState = 'active' | 'completed' | 'failed';

export interface Quest {
  id: string;
  playerId: string;
  templateId: string;
  stage: number;
  state: QuestState;
  /** Objective → progress; a quest completes when every objective reaches QUEST_GOAL. */
  objectives: Map<string, number>;
}

/** Progress every objective needs. */
export const QUEST_GOAL = 10;

/** One world, as the game runs it. */
export interface GameWorld {
  worldId: string;
  contentVersion: string;
  players: Map<string, Player>;
  zones: Map<string, Zone>;
  npcs: Map<string, Npc>;
  items: Map<string, Item>;
  quests: Map<string, Quest>;
}

/** An empty world, to be filled by a restore or by freshWorld. */
export function emptyWorld(worldId: string, contentVersion: string): GameWorld {
  return { worldId, contentVersion, players: new Map(), zones: new Map(), npcs: new Map(), items: new Map(), quests: new Map() };
}
