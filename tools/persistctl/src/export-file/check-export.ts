import { verifyStoredEpoch } from '@persistd/validation';
import { refused } from '../cli-error';
import type { ExportContents } from './read-export';
import { chunkOrder } from './write-export';

/**
 * The checks an export passes before an import sends anything: no chunk the meta does not
 * list, then DESIGN §4's restore checks in digest mode (every listed chunk present, versions,
 * content digest, meta digest). The chunk hashes were checked while reading.
 */
export function checkExport(contents: ExportContents): void {
  const { meta, chunks } = contents;
  const listed = new Set(chunkOrder(meta, chunks));
  for (const id of chunks.keys()) {
    if (!listed.has(id)) throw refused('DIGEST_MISMATCH', `chunk ${id} is not listed by the meta, so its digest does not cover it`);
  }
  const finding = verifyStoredEpoch({ worldId: meta.worldId, epoch: meta.epoch, meta, chunks }, 'digest');
  if (finding) throw refused(finding.code, `the export of ${meta.worldId} epoch ${meta.epoch} is damaged: ${finding.message}`);
}
