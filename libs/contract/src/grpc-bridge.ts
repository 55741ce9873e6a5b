import { fromBinary, toBinary, type DescMessage, type DescService, type MessageShape, type MessageInitShape, create } from '@bufbuild/protobuf';
import type { GenService, GenServiceMethods } from '@bufbuild/protobuf/codegenv2';
import * as grpc from '@grpc/grpc-js';

/**
 * Bridges a protobuf-es service descriptor to grpc-js, so no RPC is ever written out by hand:
 * adding an RPC to the proto makes the compiler ask for its handler.
 *
 * Server side, requests arrive as raw bytes and are decoded by the handler (a parse failure is
 * then MALFORMED_REQUEST, not grpc-js's generic INTERNAL). Responses may be a message or bytes
 * that are already encoded (restore streams stored chunks without decoding them).
 */

type Methods<S> = S extends GenService<infer M> ? M : never;

/** What a handler may answer: the message, or its encoding made elsewhere. */
export type Outgoing<D extends DescMessage> = MessageShape<D> | Uint8Array;

/** The grpc-js handler for each method of a service, keyed by the method's local name. */
export type RawHandlers<S extends GenService<GenServiceMethods>> = {
  [K in keyof Methods<S>]: Methods<S>[K] extends { methodKind: 'server_streaming'; output: infer O extends DescMessage }
    ? grpc.handleServerStreamingCall<Buffer, Outgoing<O>>
    : Methods<S>[K] extends { methodKind: 'unary'; output: infer O extends DescMessage }
      ? grpc.handleUnaryCall<Buffer, Outgoing<O>>
      : never;
};

function serializer<D extends DescMessage>(desc: D): (value: Outgoing<D>) => Buffer {
  return (value) => {
    const bytes = value instanceof Uint8Array ? value : toBinary(desc, value);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

function assertSupported(service: DescService): void {
  for (const m of service.methods) {
    if (m.methodKind !== 'unary' && m.methodKind !== 'server_streaming') {
      throw new Error(`grpc-bridge: ${service.typeName}.${m.name} is ${m.methodKind}, which the bridge does not serve`);
    }
  }
}

/** The grpc-js ServiceDefinition of a service whose handlers take raw request bytes. */
export function rawServiceDefinition(service: DescService): grpc.ServiceDefinition {
  assertSupported(service);
  const def: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const m of service.methods) {
    def[m.localName] = {
      path: `/${service.typeName}/${m.name}`,
      requestStream: false,
      responseStream: m.methodKind === 'server_streaming',
      requestSerialize: (b: Uint8Array) => Buffer.from(b),
      requestDeserialize: (b: Buffer) => b,
      responseSerialize: serializer(m.output),
      responseDeserialize: (b: Buffer) => fromBinary(m.output, b),
      originalName: m.localName,
    } as grpc.MethodDefinition<unknown, unknown>;
  }
  return def as grpc.ServiceDefinition;
}

/** Registers a service and its handlers on a grpc-js server. */
export function addService<S extends GenService<GenServiceMethods>>(server: grpc.Server, service: S, handlers: RawHandlers<S>): void {
  server.addService(rawServiceDefinition(service), handlers as unknown as grpc.UntypedServiceImplementation);
}

type ClientMethod<M> = M extends { methodKind: 'unary'; input: infer I extends DescMessage; output: infer O extends DescMessage }
  ? (request: MessageInitShape<I>, options?: grpc.CallOptions, metadata?: grpc.Metadata) => Promise<MessageShape<O>>
  : M extends { methodKind: 'server_streaming'; input: infer I extends DescMessage; output: infer O extends DescMessage }
    ? (request: MessageInitShape<I>, options?: grpc.CallOptions, metadata?: grpc.Metadata) => AsyncIterable<MessageShape<O>>
    : never;

/** A typed promise/async-iterator client for a service, plus the underlying grpc-js client. */
export type TypedClient<S extends GenService<GenServiceMethods>> = { [K in keyof Methods<S>]: ClientMethod<Methods<S>[K]> } & {
  readonly grpc: grpc.Client;
  close(): void;
};

/** Options for a typed client; `raw` keeps request bytes as given (tests of hostile input). */
export interface ClientOptions {
  credentials?: grpc.ChannelCredentials;
  channelOptions?: grpc.ChannelOptions;
}

/** Makes a typed client for a service from its descriptor. */
export function createClient<S extends GenService<GenServiceMethods>>(service: S, address: string, options: ClientOptions = {}): TypedClient<S> {
  const desc = service as unknown as DescService;
  assertSupported(desc);
  const client = new grpc.Client(address, options.credentials ?? grpc.credentials.createInsecure(), options.channelOptions);
  const typed: Record<string, unknown> = {
    grpc: client,
    close: () => client.close(),
  };
  for (const m of desc.methods) {
    const path = `/${desc.typeName}/${m.name}`;
    const serialize = (init: MessageInitShape<DescMessage>) => Buffer.from(toBinary(m.input, create(m.input, init)));
    const deserialize = (b: Buffer) => fromBinary(m.output, b);
    if (m.methodKind === 'unary') {
      typed[m.localName] = (req: MessageInitShape<DescMessage>, opts: grpc.CallOptions = {}, md = new grpc.Metadata()) =>
        new Promise((resolve, reject) => {
          client.makeUnaryRequest(path, serialize, deserialize, req, md, opts, (err, res) => (err ? reject(err) : resolve(res)));
        });
    } else {
      typed[m.localName] = (req: MessageInitShape<DescMessage>, opts: grpc.CallOptions = {}, md = new grpc.Metadata()) =>
        client.makeServerStreamRequest(path, serialize, deserialize, req, md, opts) as unknown as AsyncIterable<unknown>;
    }
  }
  return typed as TypedClient<S>;
}

/**
 * Calls one method with request bytes exactly as given and returns the response bytes undecoded:
 * for hostile-input tests and benchmarks that must not measure their own codec.
 */
export function rawUnaryCall(client: grpc.Client, path: string, request: Uint8Array, options: grpc.CallOptions = {}, metadata = new grpc.Metadata()): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(path, (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength), (b: Buffer) => b, request, metadata, options, (err, res) =>
      err ? reject(err) : resolve(res as Buffer),
    );
  });
}

/** Server-streaming counterpart of rawUnaryCall. */
export function rawServerStreamCall(client: grpc.Client, path: string, request: Uint8Array, options: grpc.CallOptions = {}, metadata = new grpc.Metadata()): AsyncIterable<Buffer> {
  return client.makeServerStreamRequest(path, (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength), (b: Buffer) => b, request, metadata, options) as unknown as AsyncIterable<Buffer>;
}
