/**
 * `npm run example`: a small game server on persistd. It restores its world (or starts fresh
 * if the world was never saved), activates it, ticks on a timer, saves on a timer and on
 * SIGTERM/SIGINT, and logs each step as a JSON line. Settings: config.ts.
 */
import { PersistdClient } from '@persistd/client';
import { loadConfig } from './config';
import { GameServer } from './game-server';
import { jsonLinesLog as log } from './log';

async function main(): Promise<number> {
  const config = loadConfig(process.env);
  const client = new PersistdClient(config.address, { token: config.token, defaultDeadlineMs: 10_000 });
  const server = new GameServer({ client, worldId: config.worldId, contentVersion: config.contentVersion, log });
  try {
    await server.load();
    server.activate();
    server.start(config.tickMs, config.saveMs);
    // Handlers first, then the line that says they are in place: a signal sent on seeing it must
    // not meet the default action (exit without the final save).
    const signalled = new Promise<string>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    log('running', { world: config.worldId, tick_ms: config.tickMs, save_ms: config.saveMs });
    const reason = await Promise.race([signalled, server.fenced().then((e) => `fenced: ${e.message}`)]);
    log('shutting-down', { reason });
    if (reason.startsWith('fenced')) return 1;
    await server.stop();
    return 0;
  } finally {
    client.close();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    log('failed', { error: e instanceof Error ? e.message : String(e) });
    process.exit(1);
  },
);
