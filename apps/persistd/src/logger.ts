import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { ConfigError, type Settings } from './config/settings';

/**
 * Keys whose values never reach a log line, wherever a caller puts them: passwords, tokens,
 * authorization headers, user names and raw Redis URLs (log `redactRedisUrl(url)` instead).
 */
export const REDACTED_KEYS = ['password', 'redisPassword', 'username', 'redisUsername', 'token', 'authorization', 'redisUrl', 'url'];

/** pino paths for REDACTED_KEYS, at the top level and one or two levels down. */
export const REDACT_PATHS = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

/**
 * The logger of the daemon: JSON lines (or readable lines for development), secrets redacted.
 * `destination` replaces stdout (tests capture lines in-process this way).
 */
export function createLogger(settings: Pick<Settings, 'logLevel' | 'logFormat'>, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level: settings.logLevel,
    base: { service: 'persistd' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  if (settings.logFormat === 'pretty') return pino(options, prettyStream(destination));
  return destination === undefined ? pino(options) : pino(options, destination);
}

/**
 * pino-pretty in-process and synchronous: `pretty` is for development, where a readable line
 * in order matters more than throughput. It is a development dependency, so a production image
 * asked for it refuses to start, saying so, rather than logging nothing.
 */
function prettyStream(destination: DestinationStream | undefined): DestinationStream {
  let pretty: (options: Record<string, unknown>) => DestinationStream;
  try {
    // Loaded only when asked for: production installs (`npm ci --omit=dev`) do not have it.
    pretty = require('pino-pretty') as typeof pretty;
  } catch {
    throw new ConfigError('PERSISTD_LOG_FORMAT=pretty needs the pino-pretty package (a development dependency, absent here); use json');
  }
  return pretty({ colorize: false, sync: true, destination: destination ?? 1, ignore: 'pid,hostname,service', translateTime: 'SYS:HH:MM:ss.l' });
}
