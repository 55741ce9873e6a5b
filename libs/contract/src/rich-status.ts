import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { anyPack, anyUnpack } from '@bufbuild/protobuf/wkt';
import { Metadata, type StatusObject, type ServiceError, status as GrpcStatus } from '@grpc/grpc-js';
import { StatusSchema } from './gen/google/rpc/status_pb';
import { BadRequestSchema, BadRequest_FieldViolationSchema, ErrorInfoSchema } from './gen/google/rpc/error_details_pb';
import { ERROR_DOMAIN } from './codes';
import { cutUtf8 } from './utf8-cut';

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
 * Bounds of a refusal's trailers (DESIGN §3 Errors). gRPC's C core (Python, C++, Ruby, PHP) and
 * Java clients turn a trailer block over 8 KiB into RESOURCE_EXHAUSTED with no details, and
 * Node's HTTP/2 drops one over about 64 KiB and leaves the call hanging. The details (base64 in
 * the trailer: 4 KiB becomes about 5.5 KiB) and the message (percent-encoded by grpc-js: at worst
 * 1.5 KiB) together stay under 8 KiB whatever the refusal holds.
 */
export const REFUSAL_BOUNDS = {
  /** Bytes of the encoded google.rpc.Status in `grpc-status-details-bin`, before base64. */
  detailsBytes: 4096,
  /** UTF-8 bytes of `grpc-message` (and of the Status's own message). */
  messageBytes: 512,
  /** UTF-8 bytes of one violation's `field` (its path), so one huge path cannot fill the budget. */
  fieldBytes: 256,
  /** UTF-8 bytes of one violation's `description` (`CODE: message`). */
  descriptionBytes: 512,
  /** UTF-8 bytes of one ErrorInfo metadata value. */
  metadataValueBytes: 256,
} as const;

/** ErrorInfo metadata of a refusal with violations: how many there were, and how many are listed. */
export const VIOLATIONS_TOTAL_KEY = 'violations_total';
export const VIOLATIONS_SENT_KEY = 'violations_sent';

/**
 * Encodes a refusal as a grpc-js status with one ErrorInfo and, when there are violations, one
 * BadRequest holding the first of them, in the order given, that fit REFUSAL_BOUNDS; ErrorInfo
 * metadata `violations_total` and `violations_sent` say how many there were and how many are
 * listed. Map keys are written in ascending order and every cut is pure, so equal input gives
 * equal bytes.
 */
export function toStatusObject(err: RichError): Partial<StatusObject> {
  const message = cutUtf8(err.message, REFUSAL_BOUNDS.messageBytes);
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(err.metadata)) metadata[k] = cutUtf8(v, REFUSAL_BOUNDS.metadataValueBytes);
  const listed = violationsWithin(err.violations, REFUSAL_BOUNDS.detailsBytes);
  let statusBytes = encodeStatus(err, message, metadata, listed);
  // the estimate leaves out the Any wrappers and the counts: drop from the end until it all fits
  while (statusBytes.length > REFUSAL_BOUNDS.detailsBytes && listed.length > 0) {
    listed.pop();
    statusBytes = encodeStatus(err, message, metadata, listed);
  }
  const trailer = new Metadata();
  trailer.set(STATUS_DETAILS_KEY, Buffer.from(statusBytes));
  return { code: err.code, details: message, metadata: trailer };
}

function encodeStatus(err: RichError, message: string, metadata: Record<string, string>, listed: FieldViolation[]): Uint8Array {
  const meta = { ...metadata };
  if (err.violations.length > 0) {
    meta[VIOLATIONS_TOTAL_KEY] = String(err.violations.length);
    meta[VIOLATIONS_SENT_KEY] = String(listed.length);
  }
  const sortedMeta: Record<string, string> = {};
  for (const k of Object.keys(meta).sort()) sortedMeta[k] = meta[k];
  const details = [anyPack(ErrorInfoSchema, create(ErrorInfoSchema, { reason: err.reason, domain: ERROR_DOMAIN, metadata: sortedMeta }))];
  if (err.violations.length > 0) {
    details.push(anyPack(BadRequestSchema, create(BadRequestSchema, { fieldViolations: listed.map((v) => create(BadRequest_FieldViolationSchema, v)) })));
  }
  return toBinary(StatusSchema, create(StatusSchema, { code: err.code, message, details }));
}

/** The first violations, each cut to its bounds, whose BadRequest entries together fit `budget`. */
function violationsWithin(violations: readonly FieldViolation[], budget: number): FieldViolation[] {
  const listed: FieldViolation[] = [];
  let used = 0;
  for (const v of violations) {
    const cut = { field: cutUtf8(v.field, REFUSAL_BOUNDS.fieldBytes), description: cutUtf8(v.description, REFUSAL_BOUNDS.descriptionBytes) };
    used += lengthDelimitedBytes(lengthDelimitedBytes(Buffer.byteLength(cut.field)) + lengthDelimitedBytes(Buffer.byteLength(cut.description)));
    if (used > budget) break;
    listed.push(cut);
  }
  return listed;
}

/** Wire bytes of one length-delimited field (tag, length, content) with a content of `n` bytes. */
function lengthDelimitedBytes(n: number): number {
  let varint = 1;
  for (let rest = n >>> 7; rest > 0; rest >>>= 7) varint++;
  return 1 + varint + n;
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
