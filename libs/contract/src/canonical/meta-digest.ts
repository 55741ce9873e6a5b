import { toBinary } from '@bufbuild/protobuf';
import { EpochMetaSchema, type EpochMeta } from '../gen/caelmor/persist/v1/persistence_pb';
import { sha256Hex } from './sha256';

/**
 * An epoch meta's `digest` (DESIGN §5): SHA-256 of its canonical encoding with `digest` empty. In
 * the contract because both the writer (validation seals metas) and the store (which trusts a
 * meta's `stored_bytes` only once its digest verifies) compute it.
 */
export function metaDigestOf(meta: EpochMeta): string {
  // Blanked in place and put back, not cloned: a form-2 meta's ledger can hold half a megabyte.
  const digest = meta.digest;
  meta.digest = '';
  try {
    return sha256Hex(toBinary(EpochMetaSchema, meta));
  } finally {
    meta.digest = digest;
  }
}
