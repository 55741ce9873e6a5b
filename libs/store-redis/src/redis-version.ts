/**
 * The oldest Redis the commit is safe on (DESIGN §5 "Redis version"). Before 6.0.9 a watched key
 * that expires between WATCH and EXEC does not abort the EXEC, so a commit could make an epoch
 * visible whose staged chunk had just expired: an acknowledged save with a part missing.
 */
export const MIN_REDIS_VERSION = '6.0.9';

/** What INFO server said about the version: the text read, or why none could be used. */
export type RedisVersion = { readable: true; version: string } | { readable: false; error: string };

/** The `redis_version` field of an `INFO server` (or `INFO`) reply, when it is a dotted version. */
export function versionFromInfo(info: string): RedisVersion {
  const value = /^redis_version:(.*)$/m.exec(info)?.[1]?.trim();
  if (value === undefined) return { readable: false, error: 'INFO server has no redis_version field' };
  if (!/^\d+(\.\d+){0,2}$/.test(value)) return { readable: false, error: `redis_version "${value}" is not a version number` };
  return { readable: true, version: value };
}

/** True when `version` (dotted, as versionFromInfo returns it) is at least MIN_REDIS_VERSION. */
export function isSupportedVersion(version: string): boolean {
  const parts = (v: string) => v.split('.').map(Number);
  const [have, need] = [parts(version), parts(MIN_REDIS_VERSION)];
  for (let i = 0; i < need.length; i++) {
    const diff = (have[i] ?? 0) - need[i]!;
    if (diff !== 0) return diff > 0;
  }
  return true;
}

/** The risk a version poses, in plain words, or undefined when it is new enough. */
export function versionRisk(v: RedisVersion): string | undefined {
  if (!v.readable) return `the Redis version cannot be read (${v.error}), so commit safety cannot be verified (Redis ${MIN_REDIS_VERSION} or newer is required)`;
  if (isSupportedVersion(v.version)) return undefined;
  return `Redis ${v.version} is older than ${MIN_REDIS_VERSION}: a watched chunk that expires does not abort EXEC there, so a commit can acknowledge an epoch with a chunk missing`;
}
