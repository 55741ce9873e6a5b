import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { SaveChangesRequestSchema, type SaveChangesRequest, type StateSource } from '@persistd/contract';
import type { SectionChangeSet } from './diff-snapshot';
import { SECTIONS, type SectionKey } from './sections';

/** Everything a SaveChangesRequest is made of besides the sections' changes. */
export interface ChangesHeader {
  worldId: string;
  expectedEpoch: bigint;
  requestId: string;
  source: StateSource;
  schemaVersion: number;
  /** ZoneChanges carries the whole value, changed or not. */
  contentVersion: string;
}

/**
 * The request: every section present and stamped with the base epoch (DESIGN §1: a change set
 * is a whole save), deletes sorted, both expectations always filled.
 */
export function changesRequest(header: ChangesHeader, sections: Record<SectionKey, SectionChangeSet>): SaveChangesRequest {
  const stamps = { sourceEpoch: header.expectedEpoch, schemaVersion: header.schemaVersion };
  const changes: Record<string, unknown> = { schemaVersion: header.schemaVersion };
  for (const { key } of SECTIONS) {
    const s = sections[key];
    changes[key] = {
      ...stamps,
      ...(key === 'world' ? { worldId: header.worldId, contentVersion: header.contentVersion } : {}),
      upserts: s.upserts,
      deletes: [...s.deletes].sort(),
      expectedCount: s.expectedCount,
      expectedDigest: s.expectedDigest,
    };
  }
  return create(SaveChangesRequestSchema, {
    worldId: header.worldId,
    expectedEpoch: header.expectedEpoch,
    requestId: header.requestId,
    source: header.source,
    changes: changes as MessageInitShape<typeof SaveChangesRequestSchema>['changes'],
  });
}
