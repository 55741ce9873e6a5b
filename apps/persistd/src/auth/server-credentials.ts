import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { ConfigError, type Settings } from '../config/settings';

/** How the daemon's port is secured. */
export type Transport = 'insecure' | 'tls' | 'mutual-tls';

function readPem(setting: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new ConfigError(`${setting} ${path} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/**
 * The grpc-js server credentials of PERSISTD_TLS_CERT/KEY/CLIENT_CA. With a client CA, grpc-js
 * asks for and verifies a client certificate during the handshake: a missing or foreign one
 * fails it (the client sees UNAVAILABLE; the server counts it, see handshake-failures.ts).
 */
export function serverCredentialsOf(settings: Pick<Settings, 'tlsCert' | 'tlsKey' | 'tlsClientCa'>): { credentials: grpc.ServerCredentials; transport: Transport } {
  const { tlsCert, tlsKey, tlsClientCa } = settings;
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    throw new ConfigError('PERSISTD_TLS_CERT and PERSISTD_TLS_KEY go together: set both or neither');
  }
  if (tlsCert === undefined || tlsKey === undefined) {
    if (tlsClientCa !== undefined) throw new ConfigError('PERSISTD_TLS_CLIENT_CA needs PERSISTD_TLS_CERT and PERSISTD_TLS_KEY: mutual TLS is TLS first');
    return { credentials: grpc.ServerCredentials.createInsecure(), transport: 'insecure' };
  }
  const pair = { cert_chain: readPem('PERSISTD_TLS_CERT', tlsCert), private_key: readPem('PERSISTD_TLS_KEY', tlsKey) };
  const ca = tlsClientCa === undefined ? null : readPem('PERSISTD_TLS_CLIENT_CA', tlsClientCa);
  try {
    return { credentials: grpc.ServerCredentials.createSsl(ca, [pair], ca !== null), transport: ca ? 'mutual-tls' : 'tls' };
  } catch (e) {
    throw new ConfigError(`the TLS settings do not make a server certificate: ${(e as Error).message}`);
  }
}
