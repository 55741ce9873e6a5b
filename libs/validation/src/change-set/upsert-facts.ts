import type { SaveChangesRequest } from '@persistd/contract';
import { recordEntry } from '../stored-form/chunks';
import { canonicalUpserts } from './canonical-upserts';
import { CHANGES_LAYOUT, sectionChanges } from './layout';
import { recordDigest } from './record-digest';
import type { SectionChange } from './fast-check';
import { factsOf, type RecordFacts } from './record-facts';

/**
 * What SaveChanges' fast path needs of each upsert (DESIGN §7: decode once, never encode twice),
 * computed with the request's own checks on a save worker: the entry a Save would store (the
 * `repeated` field entry of its canonical bytes), its record digest and its facts.
 */
export interface UpsertFacts {
  id: string;
  /** Tag, length and canonical record bytes: what a stored chunk holds for it. */
  entry: Uint8Array;
  digest: bigint;
  facts: RecordFacts;
}

/** Per system in restore order, the upserts sorted by id ([] for an absent section). Ids are assumed unique and set (the request's own checks passed). */
export function upsertFactsOf(req: SaveChangesRequest, bytes?: Uint8Array): UpsertFacts[][] {
  return canonicalUpserts(req, bytes).map((upserts, k) => {
    const { compiled } = CHANGES_LAYOUT[k];
    return upserts.map(
      ({ id, body, record }): UpsertFacts => ({
        id,
        entry: recordEntry(compiled.recordsField.number, body),
        digest: recordDigest(body),
        facts: factsOf(compiled, record),
      }),
    );
  });
}

/** A change set as SaveChanges' fast path reads it on the event loop: no record left to decode or encode. */
export interface FastChanges {
  /** Per system in restore order. */
  sections: SectionChange[];
  schemaVersion: number;
  contentVersion: string;
}

/** The fast path's view of a request whose own checks passed (every section present); `bytes`, the request as received: see canonicalUpserts. */
export function fastChangesOf(req: SaveChangesRequest, bytes?: Uint8Array): FastChanges {
  const upserts = upsertFactsOf(req, bytes);
  const sections = CHANGES_LAYOUT.map((layout, k): SectionChange => {
    const c = sectionChanges(req, layout);
    return { upserts: upserts[k], deletes: [...(c?.deletes ?? [])], expectedCount: c?.expectedCount, expectedDigest: c?.expectedDigest ?? '' };
  });
  const world = CHANGES_LAYOUT.find((l) => l.compiled.entry.section === 'world')!;
  return { sections, schemaVersion: req.changes?.schemaVersion ?? 0, contentVersion: sectionChanges(req, world)?.contentVersion ?? '' };
}
