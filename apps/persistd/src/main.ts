import { ConfigError, loadSettings } from './config/settings';
import { createLogger, startDaemon } from './daemon';

/** persistd's entry point: settings from flags and environment, then serve until a signal. */
async function main(): Promise<void> {
  let settings;
  try {
    settings = loadSettings(process.argv.slice(2), process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`persistd: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const logger = createLogger(settings);
  let daemon;
  try {
    daemon = await startDaemon(settings, logger);
  } catch (e) {
    logger.fatal({ err: e }, `persistd cannot start: ${(e as Error).message}`);
    process.exit(1);
  }
  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    daemon.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

void main();
