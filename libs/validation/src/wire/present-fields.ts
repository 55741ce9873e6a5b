import { isFieldSet, type Message } from '@bufbuild/protobuf';
import { COMPILED_MODULES } from '../owner-modules';
import type { WireRequest } from './read-request';

/**
 * The field numbers present at the top of record `index` of section `k`, ascending: from the
 * scanner's bit set for a canonical record (present = written, and a canonical record writes no
 * default), from the decoded message (`isFieldSet`) for one that went the typed way.
 */
export function presentFieldNumbers(read: WireRequest, k: number, index: number): number[] {
  const desc = COMPILED_MODULES[k].recordDesc;
  const section = read.sections[k];
  const numbers: number[] = [];
  desc.fields.forEach((field, i) => {
    const set = section.starts[index] >= 0 ? (section.present[index] & (1 << i)) !== 0 : isFieldSet(section.views[index] as unknown as Message, field);
    if (set) numbers.push(field.number);
  });
  return numbers.sort((a, b) => a - b);
}
