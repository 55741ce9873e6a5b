import { OwnerSystem } from '@persistd/contract';
import type { SnapshotRule } from './rule';
import { SUPPORTED_SCHEMA_VERSIONS } from './schema-versions';

/** A snapshot in a schema this daemon cannot read (DESIGN §8). */
export const unsupportedVersion: SnapshotRule = {
  code: 'UNSUPPORTED_VERSION',
  check({ snapshot }, report) {
    if (!snapshot || SUPPORTED_SCHEMA_VERSIONS.includes(snapshot.schemaVersion)) return;
    report(
      'UNSUPPORTED_VERSION',
      OwnerSystem.UNSPECIFIED,
      '',
      'snapshot.schema_version',
      `schema version ${snapshot.schemaVersion}${snapshot.schemaVersion === 0 ? ' (unset)' : ''} is not readable here: supported ${SUPPORTED_SCHEMA_VERSIONS.join(', ')}`,
    );
  },
};
