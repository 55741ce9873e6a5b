import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, createFileRegistry, fromBinary, toBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, FileDescriptorSetSchema, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import * as grpc from '@grpc/grpc-js';
import { rawUnaryCall, SaveRequestSchema, SaveResponseSchema } from '@persistd/contract';
import { smallWorld } from '@persistd/testkit';
import { healthClient } from '../test/health-client';
import { refusalOf, saveRequest, startTestDaemon, type TestDaemon } from '../test/test-daemon';

/**
 * Server reflection, spoken the way grpcurl speaks it: raw ServerReflectionInfo streams (the
 * request and response messages hand-encoded from grpc/reflection/v1/reflection.proto), no proto
 * file on the client side. Health and reflection need no credentials where Save does.
 */

type Answer = { services?: string[]; files?: Uint8Array[]; error?: { code: number; message: string } };

/** ServerReflectionRequest: list_services = 7, file_by_filename = 3, file_containing_symbol = 4. */
function request(kind: 'list' | 'file' | 'symbol', value = ''): Uint8Array {
  const field = { list: 7, file: 3, symbol: 4 }[kind];
  return new BinaryWriter().tag(field, WireType.LengthDelimited).string(value).finish();
}

/** ServerReflectionResponse: file_descriptor_response = 4 {repeated bytes = 1}, list_services_response = 6 {repeated {name = 1} = 1}, error_response = 7. */
function decodeAnswer(bytes: Uint8Array): Answer {
  const out: Answer = {};
  const r = new BinaryReader(bytes);
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (no === 4 || no === 6 || no === 7) {
      const inner = new BinaryReader(r.bytes());
      while (inner.pos < inner.len) {
        const [f, w] = inner.tag();
        if (no === 4 && f === 1) (out.files ??= []).push(inner.bytes());
        else if (no === 6 && f === 1) {
          const svc = new BinaryReader(inner.bytes());
          while (svc.pos < svc.len) {
            const [g, x] = svc.tag();
            if (g === 1) (out.services ??= []).push(svc.string());
            else svc.skip(x, g);
          }
        } else if (no === 7 && f === 1) (out.error ??= { code: 0, message: '' }).code = inner.int32();
        else if (no === 7 && f === 2) (out.error ??= { code: 0, message: '' }).message = inner.string();
        else inner.skip(w, f);
      }
    } else r.skip(wt, no);
  }
  return out;
}

/** One request on a fresh ServerReflectionInfo stream of `version`, and its one answer. */
async function reflect(client: grpc.Client, version: 'v1' | 'v1alpha', req: Uint8Array): Promise<Answer> {
  const call = client.makeBidiStreamRequest(
    `/grpc.reflection.${version}.ServerReflection/ServerReflectionInfo`,
    (b: Uint8Array) => Buffer.from(b),
    (b: Buffer) => b,
  );
  const answer = new Promise<Buffer>((resolve, reject) => {
    call.once('data', resolve);
    call.once('error', reject);
  });
  call.write(req);
  call.end();
  return decodeAnswer(await answer);
}

describe('server reflection', () => {
  let dir: string;
  let t: TestDaemon;
  let client: grpc.Client;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'persistd-reflection-'));
    writeFileSync(join(dir, 'tokens'), 'gs1:reflection-test-token\n');
    // Tokens required: reflection and health must still answer without one.
    t = await startTestDaemon({ PERSISTD_TOKENS_FILE: join(dir, 'tokens') });
    client = new grpc.Client(t.daemon.address, grpc.credentials.createInsecure());
  });
  afterAll(async () => {
    client.close();
    await t.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the persistence and health services, on v1 and v1alpha, without credentials', async () => {
    for (const version of ['v1', 'v1alpha'] as const) {
      const { services, error } = await reflect(client, version, request('list'));
      expect(error).toBeUndefined();
      expect(services).toEqual(expect.arrayContaining(['caelmor.persist.v1.PersistenceService', 'grpc.health.v1.Health']));
    }
    // The same caller without a token is refused by the persistence service itself.
    expect((await refusalOf(t.client.getWorldStatus({ worldId: 'w' }))).reason).toBe('UNAUTHENTICATED');
    const health = healthClient(t.daemon.address);
    expect(await health.check('')).toBe('SERVING');
    health.close();
  });

  it('describes the whole contract: a client built from reflected descriptors alone encodes a Save the daemon accepts', async () => {
    // As grpcurl does: the file holding the service, then every import by name until none is missing.
    const files = new Map<string, FileDescriptorProto>();
    const add = (answer: Answer) => {
      expect(answer.error).toBeUndefined();
      for (const b of answer.files ?? []) {
        const f = fromBinary(FileDescriptorProtoSchema, b);
        files.set(f.name, f);
      }
    };
    add(await reflect(client, 'v1', request('symbol', 'caelmor.persist.v1.PersistenceService')));
    for (let missing = [...files.values()].flatMap((f) => f.dependency).filter((d) => !files.has(d)); missing.length > 0; missing = [...files.values()].flatMap((f) => f.dependency).filter((d) => !files.has(d))) {
      add(await reflect(client, 'v1', request('file', missing[0])));
    }
    expect([...files.keys()].sort()).toEqual(['caelmor/persist/v1/changes.proto', 'caelmor/persist/v1/options.proto', 'caelmor/persist/v1/persistence.proto', 'caelmor/persist/v1/snapshot.proto', 'google/protobuf/descriptor.proto']);
    expect((await reflect(client, 'v1', request('symbol', 'no.such.Symbol'))).error?.code).toBe(grpc.status.NOT_FOUND);

    // A FileDescriptorSet lists imports before their importers.
    const ordered: FileDescriptorProto[] = [];
    const place = (f: FileDescriptorProto) => {
      if (ordered.includes(f)) return;
      f.dependency.forEach((d) => place(files.get(d)!));
      ordered.push(f);
    };
    files.forEach(place);
    const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: ordered }));
    const service = registry.getService('caelmor.persist.v1.PersistenceService')!;
    expect(service.methods.map((m) => [m.name, m.methodKind])).toEqual([
      ['Save', 'unary'],
      ['SaveChanges', 'unary'],
      ['Restore', 'server_streaming'],
      ['Validate', 'unary'],
      ['GetWorldStatus', 'unary'],
      ['DeleteWorld', 'unary'],
    ]);
    const save = service.methods.find((m) => m.name === 'Save')!;
    expect(service.methods.find((m) => m.name === 'SaveChanges')?.input.typeName).toBe('caelmor.persist.v1.SaveChangesRequest');

    // A save encoded with the reflected schema is the one the generated code encodes, and it commits.
    const generated = toBinary(SaveRequestSchema, create(SaveRequestSchema, saveRequest('refl', smallWorld('refl'), 0n, 'refl-1')));
    const reflected = toBinary(save.input, fromBinary(save.input, generated));
    expect(Buffer.from(reflected).equals(Buffer.from(generated))).toBe(true);
    const md = new grpc.Metadata();
    md.set('authorization', 'Bearer reflection-test-token');
    const answer = await rawUnaryCall(client, `/${service.typeName}/${save.name}`, reflected, {}, md);
    const asReflected = fromBinary(save.output, answer) as unknown as { committedEpoch: bigint };
    expect(asReflected.committedEpoch).toBe(1n);
    expect(fromBinary(SaveResponseSchema, answer).committedEpoch).toBe(1n);
  });
});
