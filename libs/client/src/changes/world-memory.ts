import { addDigest, canonicalBytes, recordDigest, subtractDigest } from '@persistd/contract';
import { recordId, SECTIONS, type SectionKey, type SectionShape } from './sections';

/** What the SDK knows one section of the committed epoch holds: a digest per record id, and their sum. */
export interface SectionMemory {
  readonly digests: Map<string, bigint>;
  /** DESIGN §3's set digest of the section: the sum of `digests`, mod 2^256. */
  sum: bigint;
}

/**
 * What the SDK knows for certain the committed epoch of one world holds, learnt from its own
 * saves and restores: per system, a digest of each record's canonical bytes by id — not a copy
 * of the world (a few dozen bytes per record). A change set is computed against it, and its
 * expectations let the daemon refuse whatever disagrees with it.
 */
export interface WorldMemory {
  readonly worldId: string;
  readonly epoch: bigint;
  readonly schemaVersion: number;
  readonly contentVersion: string;
  readonly sections: Readonly<Record<SectionKey, SectionMemory>>;
}

/** A section's memory being filled, one record at a time. */
export function emptySection(): SectionMemory {
  return { digests: new Map(), sum: 0n };
}

/** The digest of one record of that section, over its canonical bytes (what the daemon sums too). */
export function digestRecord(shape: SectionShape, record: unknown): { digest: bigint; bytes: number } {
  const canonical = canonicalBytes(shape.schema, record as never);
  return { digest: recordDigest(canonical), bytes: canonical.length };
}

/** Puts (or replaces) a record's digest into a section's memory, keeping the sum right. */
export function putDigest(section: SectionMemory, id: string, digest: bigint): void {
  const old = section.digests.get(id);
  if (old !== undefined) section.sum = subtractDigest(section.sum, old);
  section.digests.set(id, digest);
  section.sum = addDigest(section.sum, digest);
}

/** Removes a record's digest, if the section held it. */
export function dropDigest(section: SectionMemory, id: string): void {
  const old = section.digests.get(id);
  if (old === undefined) return;
  section.digests.delete(id);
  section.sum = subtractDigest(section.sum, old);
}

/** Five empty sections, to be filled by a restore. */
export function emptySections(): Record<SectionKey, SectionMemory> {
  return Object.fromEntries(SECTIONS.map((s) => [s.key, emptySection()])) as Record<SectionKey, SectionMemory>;
}

/** Digests a section's whole record list (a restore message's slice, or a game server's own records). */
export function addRecords(shape: SectionShape, section: SectionMemory, records: readonly unknown[]): void {
  for (const r of records) putDigest(section, recordId(shape, r), digestRecord(shape, r).digest);
}
