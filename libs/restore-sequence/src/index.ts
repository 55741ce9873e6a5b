/**
 * The one state machine of restore phases, shared by the daemon (emit in order) and the client
 * SDK (apply in order, refuse anything else).
 */
export { RestoreSequence, type AcceptedMessage } from './restore-sequence';
export { RestoreSequenceError, isRestoreSequenceError, SEQUENCE_REFUSALS, type SequenceRefusal, type SequenceRefusalDetail } from './sequence-error';
export { RESTORE_STEPS, expectedPhaseOf, ownerOfPayload, phaseName, stepIndexOf, type RestorePayloadCase } from './restore-steps';
