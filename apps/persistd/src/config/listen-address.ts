import { isIP } from 'node:net';
import { ConfigError } from './settings';

/** host:port split, with [::1]:port for IPv6. */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(listen);
  if (!m) throw new ConfigError(`PERSISTD_LISTEN must be host:port, got ${JSON.stringify(listen)}`);
  const port = Number(m[3]);
  if (port > 65535) throw new ConfigError(`PERSISTD_LISTEN port ${port} is out of range`);
  return { host: m[1] ?? m[2], port };
}

/** True for an address only this machine can reach. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/**
 * Without credentials that prove who calls — client certificates (mutual TLS) or bearer tokens —
 * anyone who reaches the port may save, so the daemon listens on loopback only (DESIGN §3); any
 * other address refuses to start, saying why. Server-only TLS encrypts but authenticates no one,
 * so it does not count.
 */
export function assertListenAllowed(listen: string, authenticatesCallers: boolean): void {
  const { host } = parseListen(listen);
  if (!authenticatesCallers && !isLoopback(host)) {
    throw new ConfigError(
      `refusing to listen on ${listen}: without TLS client certificates (PERSISTD_TLS_CLIENT_CA with PERSISTD_ALLOWED_PRINCIPALS) or tokens (PERSISTD_TOKENS_FILE) anyone who reaches this address could write world state; listen on 127.0.0.1 or configure credentials`,
    );
  }
}
