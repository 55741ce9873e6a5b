import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { PersistdClient } from '@persistd/client';
import { positiveNumberOpt, stringOpt, type OptionDef, type ParsedArgs } from './args';
import { UsageError } from './cli-error';

/** How to reach the daemon: every command that calls an RPC takes these. */
export const CONNECTION_OPTIONS: OptionDef[] = [
  { name: 'address', type: 'string', value: 'HOST:PORT', doc: 'persistd gRPC address', env: 'PERSISTD_ADDRESS', default: '127.0.0.1:50051' },
  { name: 'token', type: 'string', value: 'TOKEN', doc: 'bearer token, sent as `authorization: Bearer <token>` (prefer the variable: flags show in `ps`)', env: 'PERSISTD_TOKEN' },
  { name: 'ca', type: 'string', value: 'FILE', doc: 'CA certificate (PEM) of the daemon; turns TLS on' },
  { name: 'cert', type: 'string', value: 'FILE', doc: 'client certificate (PEM) for mutual TLS; needs --key' },
  { name: 'key', type: 'string', value: 'FILE', doc: 'client private key (PEM) for mutual TLS; needs --cert' },
  { name: 'tls-server-name', type: 'string', value: 'NAME', doc: 'name to check the daemon certificate against, when --address is an IP' },
  { name: 'timeout', type: 'string', value: 'SECONDS', doc: 'deadline of each attempt of a call', default: '30' },
];

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
}

/**
 * A PersistdClient for the connection options. Unknown outcomes are retried by the SDK with
 * the same request id (its default policy); each attempt has the --timeout deadline.
 */
export function connect(args: ParsedArgs): PersistdClient {
  const address = stringOpt(args, 'address')!;
  const ca = stringOpt(args, 'ca');
  const cert = stringOpt(args, 'cert');
  const key = stringOpt(args, 'key');
  if ((cert === undefined) !== (key === undefined)) throw new UsageError('--cert and --key go together (mutual TLS)');
  const tls = ca !== undefined || cert !== undefined;
  const credentials = tls
    ? grpc.credentials.createSsl(ca ? readPem(ca, 'CA certificate') : null, key ? readPem(key, 'client key') : null, cert ? readPem(cert, 'client certificate') : null)
    : grpc.credentials.createInsecure();
  const serverName = stringOpt(args, 'tls-server-name');
  if (serverName && !tls) throw new UsageError('--tls-server-name needs TLS (--ca or --cert/--key)');
  const channelOptions: grpc.ChannelOptions = { 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 };
  if (serverName) channelOptions['grpc.ssl_target_name_override'] = serverName;
  const timeout = positiveNumberOpt(args, 'timeout') ?? 30;
  return new PersistdClient(address, { credentials, channelOptions, token: stringOpt(args, 'token') || undefined, defaultDeadlineMs: Math.round(timeout * 1000) });
}
