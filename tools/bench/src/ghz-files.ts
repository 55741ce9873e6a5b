import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import { SaveChangesRequestSchema, StateSource } from '@persistd/contract';
import { restoreRequest, worldIdOf, type RequestTemplate } from './request-template';
import type { SizeName } from './sizes';

/** Worlds in each ghz request file: ghz sends a file's messages round robin. */
export const GHZ_WORLDS: Record<SizeName, number> = { S: 64, M: 16, L: 2 };

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

/** Messages as ghz's `binary-file` reads several: each prefixed by its length (a varint). */
export function countDelimited(messages: readonly Uint8Array[]): Buffer {
  return Buffer.concat(messages.flatMap((m) => [varint(m.length), m]));
}

/**
 * A SaveChanges of a world saved once (expected epoch 1) that changes nothing: every system
 * answers for its state with an empty change set, and the daemon commits the base again as epoch 2.
 */
export function unchangedRequest(worldId: string, contentVersion: string): Buffer {
  const stamp = { sourceEpoch: 1n, schemaVersion: 1 };
  const changes = { schemaVersion: 1, players: stamp, world: { ...stamp, worldId, contentVersion }, npcs: stamp, items: stamp, quests: stamp };
  return Buffer.from(toBinary(SaveChangesRequestSchema, create(SaveChangesRequestSchema, { worldId, expectedEpoch: 1n, requestId: `chg-${worldId}`, source: StateSource.AUTHORITATIVE_RUNTIME, changes })));
}

/**
 * Writes `save-<size>.bin` (first saves of GHZ_WORLDS distinct worlds, `g<size>00-<n>`) and
 * `restore-<size>.bin` (restores of the same worlds) and `save-changes-<size>.bin` (an unchanged
 * SaveChanges of each, after the first saves) for tools/load/ghz/*.json. The world ids are
 * fixed, so a second ghz run against the same key prefix gets replays: see tools/load/ghz/README.md.
 */
export function writeGhzFiles(dir: string, size: SizeName, template: RequestTemplate, contentVersion: string): string[] {
  mkdirSync(dir, { recursive: true });
  const ids = Array.from({ length: GHZ_WORLDS[size] }, (_, n) => worldIdOf('g', size, 0, n));
  const save = join(dir, `save-${size}.bin`);
  const restore = join(dir, `restore-${size}.bin`);
  writeFileSync(save, countDelimited(ids.map((id) => template.copyFor(id))));
  writeFileSync(restore, countDelimited(ids.map(restoreRequest)));
  const changes = join(dir, `save-changes-${size}.bin`);
  writeFileSync(changes, countDelimited(ids.map((id) => unchangedRequest(id, contentVersion))));
  return [save, restore, changes];
}
