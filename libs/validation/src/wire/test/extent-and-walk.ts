import type { DescMessage } from '@bufbuild/protobuf';
import { firstLimitBreach, type InputLimits } from '../../limits/input-limits';
import type { WireExtent } from '../wire-extent';

/** The limits an extent allows exactly: each bound at the extent's own measure. */
export function limitsAt(ext: WireExtent): InputLimits {
  return { maxRecordsPerSection: ext.maxListLength, maxStringBytes: ext.maxStringBytes, maxMapEntries: ext.maxMapEntries };
}

/**
 * Test support: where a measured extent and the limits' walk of the decoded message disagree,
 * as readable lines (none when they agree). They agree when the extent is exactly the tightest
 * limits the walk accepts: at the extent it finds no breach, and one below it in any measure it
 * names that measure's limit, broken by exactly the extent.
 */
export function extentVersusWalk(desc: DescMessage, message: object, ext: WireExtent): string[] {
  const at = limitsAt(ext);
  const out: string[] = [];
  const atBreach = firstLimitBreach(desc, message, at);
  if (atBreach) out.push(`at the extent ${JSON.stringify(ext)} the walk finds ${JSON.stringify(atBreach)}`);
  const below: [keyof InputLimits, string, number][] = [
    ['maxRecordsPerSection', 'max_records_per_section', ext.maxListLength],
    ['maxStringBytes', 'max_string_bytes', ext.maxStringBytes],
    ['maxMapEntries', 'max_map_entries', ext.maxMapEntries],
  ];
  for (const [key, limit, measured] of below) {
    if (measured === 0) continue;
    const breach = firstLimitBreach(desc, message, { ...at, [key]: measured - 1 });
    if (breach?.limit !== limit || breach.max !== measured - 1 || breach.actual !== measured) out.push(`${limit} at ${measured - 1}: the walk finds ${JSON.stringify(breach)}`);
  }
  return out;
}
