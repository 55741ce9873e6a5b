import { NOT_APPLICABLE, type PathReader } from '@persistd/ownership';

/**
 * The tuple an exclusive claim (module `claims`) reads from a record, as one string, each part
 * length-prefixed so no two tuples share a key; undefined when a part is missing or empty (the
 * record claims nothing). Built without an array per record: it runs for every record of a large
 * world. The one key both OWNERSHIP_OVERLAP and SaveChanges' base index use.
 */
export function claimKeyOf(reads: readonly PathReader[], record: unknown): string | undefined {
  let key = '';
  for (let r = 0; r < reads.length; r++) {
    const v = reads[r](record as never);
    if (v === undefined || v === NOT_APPLICABLE || v === '' || v === null) return undefined;
    const part = typeof v === 'string' ? v : String(v);
    key = reads.length === 1 ? part : `${key}${r === 0 ? '' : '|'}${part.length}:${part}`;
  }
  return key;
}
