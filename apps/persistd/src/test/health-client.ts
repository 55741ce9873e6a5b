import * as grpc from '@grpc/grpc-js';
import { service } from 'grpc-health-check';

/** A grpc.health.v1 client for tests: Check, and Watch with every status it received. */
export interface HealthClient {
  /** The status Check answers ('SERVING', 'NOT_SERVING', ...); rejects with the ServiceError. */
  check(service?: string): Promise<string>;
  /** Opens a Watch stream. */
  watch(service?: string): HealthWatch;
  close(): void;
}

export interface HealthWatch {
  /** Every status received so far, in order. */
  readonly statuses: string[];
  /** The stream's final status (OK when the server ended it). */
  readonly ended: Promise<grpc.StatusObject>;
  /** Resolves once `status` arrived (at once if it already did). */
  seen(status: string): Promise<void>;
  cancel(): void;
}

type HealthStub = grpc.Client & {
  Check(req: { service: string }, options: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: { status: string }) => void): void;
  Watch(req: { service: string }): grpc.ClientReadableStream<{ status: string }>;
};

export function healthClient(address: string, credentials = grpc.credentials.createInsecure(), channelOptions: grpc.ChannelOptions = {}): HealthClient {
  const Health = grpc.makeGenericClientConstructor(service as unknown as grpc.ServiceDefinition, 'Health');
  const client = new Health(address, credentials, channelOptions) as unknown as HealthStub;
  return {
    check: (name = '') =>
      new Promise((resolve, reject) => client.Check({ service: name }, { deadline: Date.now() + 5000 }, (err, res) => (err ? reject(err) : resolve(res!.status)))),
    watch(name = '') {
      const stream = client.Watch({ service: name });
      const statuses: string[] = [];
      const waiters: Array<() => void> = [];
      stream.on('data', (m: { status: string }) => {
        statuses.push(m.status);
        for (const w of waiters.splice(0)) w();
      });
      stream.on('error', () => undefined);
      const ended = new Promise<grpc.StatusObject>((resolve) => stream.once('status', resolve));
      const seen = async (status: string) => {
        while (!statuses.includes(status)) await new Promise<void>((resolve) => waiters.push(resolve));
      };
      return { statuses, ended, seen, cancel: () => stream.cancel() };
    },
    close: () => client.close(),
  };
}
