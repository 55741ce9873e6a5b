import { clone, create, toBinary } from '@bufbuild/protobuf';
import { SaveChangesRequestSchema, type SaveChangesRequest } from '@persistd/contract';
import { canonicalizeInPlace } from '../canonical-record';
import { compareIds } from '../stored-form/canonical';
import { requestDigestHash } from '../request-digest';
import { idOf } from '../rules/snapshot-context';
import { CHANGES_LAYOUT, sectionChanges } from './layout';

/**
 * A SaveChanges' request digest (request-digest.ts): over the world, expected_epoch, source and
 * the canonical change set — upserts canonical and sorted by id, deletes sorted, stamps,
 * content_version and the expectations — with request_id left out. The same request in any order
 * gives the same digest; it does not depend on the stored form.
 */
export function changeRequestDigest(req: SaveChangesRequest): string {
  const copy = clone(SaveChangesRequestSchema, req);
  copy.requestId = '';
  for (const layout of CHANGES_LAYOUT) {
    const c = sectionChanges(copy, layout);
    if (!c) continue;
    const { recordDesc, readId } = layout.compiled;
    for (const u of c.upserts) canonicalizeInPlace(recordDesc, u);
    c.upserts = c.upserts
      .map((u, i) => ({ u, i, id: idOf(readId(u as never)) }))
      .sort((a, b) => compareIds(a.id, b.id) || a.i - b.i)
      .map((x) => x.u);
    c.deletes = [...c.deletes].sort(compareIds);
  }
  return requestDigestHash('SaveChanges').update(toBinary(SaveChangesRequestSchema, create(SaveChangesRequestSchema, copy))).digest('hex');
}
