import type { DescMessage } from '@bufbuild/protobuf';
import { firstLimitBreach, limitExceeded, type InputLimits } from '@persistd/validation';
import { Refusal } from '../rpc/refusal';

/**
 * Throws the refusal of the first breach of the input limits (the library's walk names it, in
 * field order, depth first): INVALID_ARGUMENT/LIMIT_EXCEEDED with `metadata.limit` naming it.
 */
export function enforceInputLimits(desc: DescMessage, message: object, limits: InputLimits): void {
  const breach = firstLimitBreach(desc, message, limits);
  if (!breach) return;
  const { message: text, metadata } = limitExceeded(breach);
  throw new Refusal('LIMIT_EXCEEDED', text, { metadata });
}
