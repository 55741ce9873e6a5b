import { toBinary, type DescFile } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import type * as grpc from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { PersistenceService } from '@persistd/contract';
import { service as healthService } from 'grpc-health-check';

/** What @grpc/reflection reads: a proto-loader package definition (only `fileDescriptorProtos` is used). */
type PackageDefinition = ConstructorParameters<typeof ReflectionService>[0];

/** The encoded FileDescriptorProto of a file and of every file it imports, each once, dependencies first. */
export function fileDescriptorProtos(file: DescFile): Uint8Array[] {
  const seen = new Set<string>();
  const out: Uint8Array[] = [];
  const visit = (f: DescFile) => {
    if (seen.has(f.name)) return;
    seen.add(f.name);
    f.dependencies.forEach(visit);
    out.push(toBinary(FileDescriptorProtoSchema, f.proto));
  };
  visit(file);
  return out;
}

/**
 * The services reflection describes, as the package definition @grpc/reflection expects, made
 * from descriptors already in the process — no .proto file is read and proto-loader is not
 * needed: persistd's own from the generated protobuf-es files (persistence.proto, snapshot.proto,
 * options.proto and google/protobuf/descriptor.proto), health's from grpc-health-check.
 */
export function reflectedPackage(): PackageDefinition {
  const persistence = PersistenceService.file;
  const health = healthService.Check.requestType;
  return {
    [PersistenceService.typeName]: { fileDescriptorProtos: fileDescriptorProtos(persistence).map((b) => Buffer.from(b)) },
    'grpc.health.v1.Health': { fileDescriptorProtos: health.fileDescriptorProtos },
  } as unknown as PackageDefinition;
}

/**
 * Adds server reflection (grpc.reflection.v1 and v1alpha), so `grpcurl` and `ghz` can call
 * persistd without proto files. No credentials are asked (DESIGN §3): reflection describes the
 * contract, which is public, and touches no world.
 */
export function addReflection(server: grpc.Server): void {
  new ReflectionService(reflectedPackage()).addToServer(server);
}
