import { clone } from '@bufbuild/protobuf';
import { WorldSnapshotSchema, type StoredForm, type WorldSnapshot } from '@persistd/contract';
import { prepareEpoch } from '@persistd/validation';

const FORMS: StoredForm[] = [1, 2];

/**
 * The content digests the records of a snapshot have, one per stored form. A content digest
 * identifies records within one stored form (DESIGN §5): a rollback or import of a form-1 epoch
 * by a daemon that writes form 2 keeps the records, not the digest. So a save carries these very
 * records when its digest is one of these.
 */
export function contentDigestsOf(snapshot: WorldSnapshot): string[] {
  return FORMS.map((storedForm) => prepareEpoch(clone(WorldSnapshotSchema, snapshot), { worldId: '', requestId: '', principal: '', committedAtMs: 0n, storedForm }).contentDigest);
}
