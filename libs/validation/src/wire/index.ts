/**
 * The wire-level save path: read a save's bytes without decoding whole messages, run the
 * same rules over light record views, and store canonical records as they came. Every outcome —
 * malformed, each violation, every stored byte — equals the typed path's (fromBinary →
 * validateSnapshot → prepareEpoch), which a property test checks.
 */
export { readSaveRequest, readValidateRequest, readSnapshotRequest, type WireRequest, type WireSection, type WireStats, type SnapshotRequestSchema } from './read-request';
export { validateWireRequest, checkInputOf, lostMapKeysOfSnapshot } from './wire-validate';
export { prepareWireEpoch, wireCanonicalSections, cutCanonical } from './wire-prepare';
export { WireMalformedError, isWireMalformed } from './wire-error';
export { presentFieldNumbers } from './present-fields';
export { wireExtent, type WireExtent } from './wire-extent';
export { firstWireBreach, wireCensus, type WireCensus, type WirePath } from './wire-census';
export { readRequestFields } from './read-request';
