import { ConfigError } from '../config/settings';

/**
 * PERSISTD_ALLOWED_PRINCIPALS (DESIGN §3): which principals may call, and which worlds each may
 * touch. An entry is `principal` (every world) or `principal=world-glob`; a principal named twice
 * may touch the union of its globs. Globs know `*` (any run of characters, also none) and `?`
 * (one character), matched against the whole world id.
 */
export interface Allowlist {
  /** Principal → the worlds it may touch: `'any'` or the globs compiled to anchored patterns. */
  readonly grants: ReadonlyMap<string, 'any' | readonly WorldGlob[]>;
}

/** One world glob, kept with its source for messages. */
export interface WorldGlob {
  readonly source: string;
  readonly pattern: RegExp;
}

/** Characters a glob may hold: those of a world id (DESIGN §4) plus `*` and `?`. */
const GLOB_CHARS = /^[A-Za-z0-9._*?-]{1,128}$/;

/** Compiles a world glob; throws ConfigError for characters no world id can hold. */
export function worldGlob(source: string): WorldGlob {
  if (!GLOB_CHARS.test(source)) throw new ConfigError(`PERSISTD_ALLOWED_PRINCIPALS: world glob ${JSON.stringify(source)} must be 1-128 of [A-Za-z0-9._-] with * and ?`);
  const body = source.replace(/[.]/g, '\\.').replace(/\*/g, '.*').replace(/\?/g, '.');
  return { source, pattern: new RegExp(`^${body}$`) };
}

/** Parses the setting; an empty entry, principal or glob is a ConfigError naming the entry. */
export function parseAllowlist(raw: string, setting = 'PERSISTD_ALLOWED_PRINCIPALS'): Allowlist {
  const grants = new Map<string, 'any' | WorldGlob[]>();
  for (const entry of raw.split(',').map((e) => e.trim())) {
    if (entry === '') throw new ConfigError(`${setting} has an empty entry: ${JSON.stringify(raw)}`);
    // The glob follows the LAST '=': a principal (a SPIFFE URI, say) may itself hold one.
    const eq = entry.lastIndexOf('=');
    const principal = (eq < 0 ? entry : entry.slice(0, eq)).trim();
    if (principal === '') throw new ConfigError(`${setting} entry ${JSON.stringify(entry)} names no principal`);
    const prior = grants.get(principal);
    if (eq < 0) {
      grants.set(principal, 'any');
      continue;
    }
    const glob = worldGlob(entry.slice(eq + 1).trim());
    if (prior === 'any') continue;
    grants.set(principal, [...(prior ?? []), glob]);
  }
  return { grants };
}

/** True when `grant` lets its principal touch `worldId`. */
export function grantCovers(grant: 'any' | readonly WorldGlob[], worldId: string): boolean {
  return grant === 'any' || grant.some((g) => g.pattern.test(worldId));
}
