import { fromBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { Refusal } from './refusal';

/**
 * Decodes a request inside the handler (the grpc-js deserializer passes bytes through), so bytes
 * that do not parse are INVALID_ARGUMENT/MALFORMED_REQUEST, never grpc-js's generic INTERNAL.
 * Unknown fields are kept: the RUNTIME_STATE rule reports them.
 */
export function decodeRequest<D extends DescMessage>(desc: D, bytes: Uint8Array): MessageShape<D> {
  try {
    return fromBinary(desc, bytes, { readUnknownFields: true });
  } catch (e) {
    throw new Refusal('MALFORMED_REQUEST', `request does not parse as ${desc.typeName}: ${(e as Error).message}`);
  }
}
