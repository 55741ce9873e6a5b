/**
 * The record canonicalization lives in the contract, where the SDK can reach it too (it digests
 * records for a change set's expectations); validation keeps this name for its own imports.
 */
export { canonicalBytes, canonicalizeInPlace } from '@persistd/contract';
