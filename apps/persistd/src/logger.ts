import pino, { type Logger } from 'pino';
import type { Settings } from './config/settings';

/**
 * Keys whose values never reach a log line, wherever a caller puts them: passwords, tokens,
 * authorization headers, user names and raw Redis URLs (log `redactRedisUrl(url)` instead).
 */
export const REDACTED_KEYS = ['password', 'redisPassword', 'username', 'redisUsername', 'token', 'authorization', 'redisUrl', 'url'];

/** pino paths for REDACTED_KEYS, at the top level and one or two levels down. */
export const REDACT_PATHS = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

/** The logger of the daemon: JSON lines (or readable lines for development), secrets redacted. */
export function createLogger(settings: Pick<Settings, 'logLevel' | 'logFormat'>): Logger {
  return pino({
    level: settings.logLevel,
    base: { service: 'persistd' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(settings.logFormat === 'pretty' ? { transport: { target: 'pino-pretty', options: { colorize: false } } } : {}),
  });
}
