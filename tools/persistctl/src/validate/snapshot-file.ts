import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fromBinary, fromJsonString } from '@bufbuild/protobuf';
import { StateSource, WorldSnapshotSchema, type WorldSnapshot } from '@persistd/contract';
import { prepareEpoch, validateSnapshot } from '@persistd/validation';
import { CliError } from '../cli-error';
import { EXIT } from '../exit-codes';
import { reportCounts, reportViolation, type Report } from './report';

export type SnapshotFormat = 'binary' | 'json';

/** A WorldSnapshot file to check as a save would be. */
export interface SnapshotFileTarget {
  path: string;
  format: SnapshotFormat;
  worldId?: string;
  expectedEpoch?: bigint;
}

/**
 * Checks a WorldSnapshot file as a save of it would be checked: every rule, from the
 * authoritative runtime, as a save of the world its world section names (or `--world-id`) from
 * the epoch its first section descends from (or `--expected-epoch`). An accepted snapshot's
 * counts and content_digest are reported, to compare with what a daemon holds.
 */
export async function checkSnapshotFile(target: SnapshotFileTarget, cwd: string): Promise<Report> {
  let bytes: Buffer;
  try {
    bytes = await readFile(resolve(cwd, target.path));
  } catch (e) {
    throw new CliError(EXIT.USAGE, `cannot read ${target.path}: ${(e as Error).message}`);
  }
  const snapshot = decodeSnapshot(bytes, target.format, target.path);
  const worldId = target.worldId ?? snapshot.world?.worldId ?? '';
  const expectedEpoch = target.expectedEpoch ?? firstSourceEpoch(snapshot);
  const subject = { kind: 'file' as const, path: target.path, format: target.format, worldId, expectedEpoch: expectedEpoch.toString() };

  const violations = validateSnapshot({ worldId, expectedEpoch, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot });
  if (violations.length > 0) {
    const more = violations.length > 1 ? ` (and ${violations.length - 1} more)` : '';
    return {
      target: subject,
      accepted: false,
      checks: [{ subject: 'snapshot', status: 'rejected', code: violations[0].code, message: `${violations[0].message}${more}`, violations: violations.map(reportViolation) }],
    };
  }
  const prepared = prepareEpoch(snapshot, { worldId, requestId: 'persistctl-validate', principal: 'persistctl-validate', committedAtMs: 0n });
  return { target: subject, accepted: true, checks: [{ subject: 'snapshot', status: 'accepted', violations: [], contentDigest: prepared.contentDigest, counts: reportCounts(prepared.counts) }] };
}

function decodeSnapshot(bytes: Buffer, format: SnapshotFormat, path: string): WorldSnapshot {
  try {
    return format === 'binary' ? fromBinary(WorldSnapshotSchema, bytes) : fromJsonString(WorldSnapshotSchema, bytes.toString('utf8'));
  } catch (e) {
    const other = format === 'binary' ? 'json' : 'binary';
    throw new CliError(EXIT.USAGE, `${path} does not parse as a ${format} WorldSnapshot (${(e as Error).message}); if it is ${other}, pass --format ${other}`);
  }
}

/** The source_epoch of the first section present, in restore order; 0 when none is. */
function firstSourceEpoch(s: WorldSnapshot): bigint {
  return [s.players, s.world, s.npcs, s.items, s.quests].find((x) => x !== undefined)?.sourceEpoch ?? 0n;
}
