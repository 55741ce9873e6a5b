import type { SaveChangesRequest } from '@persistd/contract';
import { canonicalBytes } from '../canonical-record';
import { idOf } from '../rules/snapshot-context';
import { compareIds } from '../stored-form/canonical';
import { wireUpsertBodies } from '../wire/read-changes';
import { CHANGES_LAYOUT, sectionChanges } from './layout';

/** One upsert of a change set, in canonical form. */
export interface CanonicalUpsert {
  id: string;
  /** The record's canonical bytes (DESIGN §5): what a chunk stores, what the request digest hashes. */
  body: Uint8Array;
  /** The record as the request holds it (its facts are read from it). */
  record: object;
}

/**
 * Per system in restore order, the upserts canonical and sorted by id, request order among equal
 * ids ([] for an absent section). Each record is encoded once per request: the request digest and
 * the fast path's facts both read these bytes (DESIGN §7: never encode the same thing twice).
 * Given the bytes `req` was decoded from, the first call takes a canonical record's bytes as they
 * came (wire/read-changes.ts) instead of encoding it: the same bytes, without the cost.
 */
export function canonicalUpserts(req: SaveChangesRequest, bytes?: Uint8Array): CanonicalUpsert[][] {
  let out = computed.get(req);
  if (!out) {
    const wire = bytes && wireUpsertBodies(bytes);
    computed.set(req, (out = CHANGES_LAYOUT.map((layout, k) => sortedUpserts(req, layout, wire?.[k]))));
  }
  return out;
}

function sortedUpserts(req: SaveChangesRequest, layout: (typeof CHANGES_LAYOUT)[number], wire: readonly (Uint8Array | undefined)[] | undefined): CanonicalUpsert[] {
  const c = sectionChanges(req, layout);
  if (!c) return [];
  const { recordDesc, readId } = layout.compiled;
  // The walk found as many upserts as the decoder, in the same order, or none of its bytes are used.
  const read = wire?.length === c.upserts.length ? wire : undefined;
  return c.upserts
    .map((record, i) => ({ id: idOf(readId(record as never)), body: read?.[i] ?? canonicalBytes(recordDesc, record as never), record, i }))
    .sort((a, b) => compareIds(a.id, b.id) || a.i - b.i)
    .map(({ id, body, record }) => ({ id, body, record }));
}

/** Per request, once: a request is read-only once decoded. */
const computed = new WeakMap<SaveChangesRequest, CanonicalUpsert[][]>();
