import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { parseListen } from '../config/listen-address';
import { ConfigError } from '../config/settings';

/** The metrics endpoint once it listens. */
export interface MetricsEndpoint {
  /** `http://host:port/metrics`, with the port actually bound. */
  url: string;
  /** Stops listening and drops open (keep-alive) connections. */
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (Prometheus text format) from `registry` on PERSISTD_METRICS_LISTEN;
 * any other path is 404, any other method 405. No credentials: the metrics carry counts and
 * codes, never world data or secrets. An address that cannot be bound is a ConfigError.
 */
export async function listenMetrics(listen: string, registry: Registry): Promise<MetricsEndpoint> {
  let host: string;
  let port: number;
  try {
    ({ host, port } = parseListen(listen));
  } catch {
    throw new ConfigError(`PERSISTD_METRICS_LISTEN must be host:port (port up to 65535) or off, got ${JSON.stringify(listen)}`);
  }
  const server: Server = createServer((req, res) => {
    if ((req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('persistd serves /metrics only\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(req.method === 'HEAD' ? undefined : body),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${(err as Error).message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new ConfigError(`PERSISTD_METRICS_LISTEN ${listen} cannot be bound (${err.code ?? err.message}): choose another address, or off`)));
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  const shown = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return {
    url: `http://${shown}:${bound.port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
