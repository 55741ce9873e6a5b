import { isStoreError, type RedisStore, type StoredEpoch } from '@persistd/store-redis';
import { verifyStoredEpoch } from '@persistd/validation';
import { CliError, refused } from '../cli-error';
import { EXIT } from '../exit-codes';
import type { RedisTarget } from '../redis-options';
import { reportCounts, reportViolation, type Check, type Report } from './report';

/**
 * Checks every retained epoch of a stored world straight from Redis, with the daemon's own reads
 * (RedisStore) and full verification (DESIGN §5: validating a stored world always decodes and
 * re-runs every structural rule). Read-only: nothing is repaired.
 *
 * Which epochs: from the oldest retained meta (or the committed epoch if none) up to the
 * committed epoch, every one. Retention deletes metas oldest first, so a meta missing inside that
 * range, or the committed epoch's own, is damage (MISSING_COMPONENT); metas older than the oldest
 * present are taken as retired, since the daemon's retention may be smaller than `--retention`.
 */
export async function checkStoredWorld(store: RedisStore, target: RedisTarget, worldId: string): Promise<Report> {
  try {
    return await checkWith(store, target, worldId);
  } catch (e) {
    if (isStoreError(e) && e.code === 'STORE_UNAVAILABLE') throw new CliError(EXIT.USAGE, `cannot read Redis at ${target.shown}: ${e.message}`);
    throw e;
  }
}

async function checkWith(store: RedisStore, target: RedisTarget, worldId: string): Promise<Report> {
  const subject = { kind: 'stored' as const, worldId, redis: target.shown, keyPrefix: target.keyPrefix, committedEpoch: '' };
  let committed: bigint;
  let retained: bigint[];
  try {
    committed = await store.readCommittedEpoch(worldId);
    retained = await store.retainedEpochs(worldId);
  } catch (e) {
    if (!isStoreError(e) || e.code === 'STORE_UNAVAILABLE') throw e;
    // The pointer itself is damaged: no epoch can be told apart from another.
    return { target: { ...subject, committedEpoch: '?' }, accepted: false, checks: [{ subject: 'epoch pointer', status: 'rejected', code: e.code, message: e.message, violations: [] }] };
  }
  if (committed === 0n) throw refused('WORLD_NOT_FOUND', `world ${worldId} was never saved under key prefix ${target.keyPrefix} at ${target.shown}`);

  const oldest = retained.filter((e) => e <= committed).reduce((a, b) => (b < a ? b : a), committed);
  const checks: Check[] = [];
  for (let epoch = oldest; epoch <= committed; epoch++) checks.push(await checkEpoch(store, worldId, epoch));
  return { target: { ...subject, committedEpoch: committed.toString() }, accepted: checks.every((c) => c.status !== 'rejected'), checks };
}

async function checkEpoch(store: RedisStore, worldId: string, epoch: bigint): Promise<Check> {
  const subject = `epoch ${epoch}`;
  const base = { subject, epoch: epoch.toString(), violations: [] };
  let stored: StoredEpoch;
  try {
    stored = await store.readEpoch(worldId, epoch);
  } catch (e) {
    if (!isStoreError(e) || e.code === 'STORE_UNAVAILABLE') throw e;
    if (e.code === 'EPOCH_NOT_FOUND') return { ...base, status: 'dropped', message: 'retention dropped this epoch while the check ran' };
    return { ...base, status: 'rejected', code: e.code, message: e.message };
  }
  const finding = verifyStoredEpoch(stored, 'full');
  if (finding) return { ...base, status: 'rejected', code: finding.code, message: finding.message, violations: finding.violations.map(reportViolation) };
  return { ...base, status: 'accepted', digest: stored.meta.digest, contentDigest: stored.meta.contentDigest, counts: reportCounts(stored.meta.counts) };
}
