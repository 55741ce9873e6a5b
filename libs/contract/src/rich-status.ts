import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { anyPack, anyUnpack } from '@bufbuild/protobuf/wkt';
import { Metadata, type StatusObject, type ServiceError, status as GrpcStatus } from '@grpc/grpc-js';
import { StatusSchema } from './gen/google/rpc/status_pb';
import { BadRequestSchema, BadRequest_FieldViolationSchema, ErrorInfoSchema } from './gen/google/rpc/error_details_pb';
import { ERROR_DOMAIN } from './codes';

/** The trailer that carries a binary google.rpc.Status (gRPC's richer error model). */
export const STATUS_DETAILS_KEY = 'grpc-status-details-bin';

/** One field violation of a BadRequest: `field` is the record path, `description` `CODE: message`. */
export interface FieldViolation {
  field: string;
  description: string;
}

/** The refusal as both sides see it: status, reason code, metadata and the violations, if any. */
export interface RichError {
  code: GrpcStatus;
  message: string;
  reason: string;
  metadata: Record<string, string>;
  violations: FieldViolation[];
}

/**
 * Encodes a refusal as a grpc-js status with one ErrorInfo and, when there are violations,
 * one BadRequest. Map keys are written in ascending order so equal input gives equal bytes.
 */
export function toStatusObject(err: RichError): Partial<StatusObject> {
  const sortedMeta: Record<string, string> = {};
  for (const k of Object.keys(err.metadata).sort()) sortedMeta[k] = err.metadata[k];
  const details = [anyPack(ErrorInfoSchema, create(ErrorInfoSchema, { reason: err.reason, domain: ERROR_DOMAIN, metadata: sortedMeta }))];
  if (err.violations.length > 0) {
    details.push(
      anyPack(
        BadRequestSchema,
        create(BadRequestSchema, { fieldViolations: err.violations.map((v) => create(BadRequest_FieldViolationSchema, v)) }),
      ),
    );
  }
  const statusBytes = toBinary(StatusSchema, create(StatusSchema, { code: err.code, message: err.message, details }));
  const metadata = new Metadata();
  metadata.set(STATUS_DETAILS_KEY, Buffer.from(statusBytes));
  return { code: err.code, details: err.message, metadata };
}

/**
 * Decodes the rich status of a grpc-js error; undefined when the error carries none (a transport
 * failure, whose outcome the client must treat as unknown).
 */
export function fromServiceError(error: Pick<ServiceError, 'code' | 'details' | 'metadata'>): RichError | undefined {
  const raw = error.metadata?.get(STATUS_DETAILS_KEY)?.[0];
  if (!(raw instanceof Buffer)) return undefined;
  const st = fromBinary(StatusSchema, raw);
  let info;
  let bad;
  for (const any of st.details) {
    info ??= anyUnpack(any, ErrorInfoSchema);
    bad ??= anyUnpack(any, BadRequestSchema);
  }
  if (!info) return undefined;
  return {
    code: error.code,
    message: st.message,
    reason: info.reason,
    metadata: { ...info.metadata },
    violations: (bad?.fieldViolations ?? []).map((v) => ({ field: v.field, description: v.description })),
  };
}
