import { BinaryReader } from '@bufbuild/protobuf/wire';

/**
 * protobuf-es's BinaryReader over a Node Buffer, with the buffer in reach: the scanner checks the
 * bytes a read consumed (minimal varints, NaN bits) and slices text without copying.
 * @internal
 */
export class WireReader extends BinaryReader {
  constructor(readonly data: Buffer) {
    super(data);
  }
}
