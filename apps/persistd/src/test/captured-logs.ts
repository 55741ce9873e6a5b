import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { Settings } from '../config/settings';
import { createLogger } from '../logger';

/** The daemon's own logger (its redaction included), writing into memory instead of stdout. */
export interface CapturedLogs {
  logger: Logger;
  /** Everything written, as written. */
  text(): string;
  /** Every line parsed as JSON (JSON format only). */
  entries(): Array<Record<string, unknown>>;
}

export function captureLogs(settings: Partial<Pick<Settings, 'logLevel' | 'logFormat'>> = {}): CapturedLogs {
  const chunks: string[] = [];
  // A real stream (pino-pretty pipes into it) that takes every write at once.
  const sink = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger({ logLevel: settings.logLevel ?? 'info', logFormat: settings.logFormat ?? 'json' }, sink);
  const text = () => chunks.join('');
  return {
    logger,
    text,
    entries: () =>
      text()
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
