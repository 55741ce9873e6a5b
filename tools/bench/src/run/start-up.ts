import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { freePort, generateWorld } from '@persistd/testkit';
import { rawUnaryCall } from '@persistd/contract';
import { PersistdDaemon } from '../procs/persistd-daemon';
import { RequestTemplate, worldIdOf } from '../request-template';
import { percentile } from '../report/stats';
import { CHANNEL_OPTIONS, SAVE_PATH } from './cells';

/** What one restart measured: from spawning the built daemon to its port opening, then to saves acknowledged. */
export interface StartUpRun {
  gameServers: number;
  startToListeningMs: number;
  /** From the port opening to the first acknowledged save (the slowest of the game servers' first saves). */
  listeningToFirstSaveMs: number;
}

/** bench/results.json `startUp`: restarts with 1 and with 8 game servers saving at once, and a warm save's p50. */
export interface StartUpResult {
  runs: StartUpRun[];
  /** p50 of sequential saves of the same S world once the daemon is warm. */
  warmSaveP50Ms: number;
}

const PROBE_MS = 2;
const SAVE_DEADLINE_MS = 30_000;
/** Sequential saves whose p50 is "a warm save". */
const WARM_SAVES = 15;

/** Resolves once the port accepts a TCP connection, probing every PROBE_MS; rejects after `timeoutMs`. */
async function portOpens(port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => resolve(socket.destroy() && true));
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`bench: port ${port} did not open within ${timeoutMs} ms`);
    await sleep(PROBE_MS);
  }
}

/**
 * Ready when it listens, measured: restarts the built daemon and times spawn → port open, then
 * port open → the first save of a small (S) world acknowledged, for one game server and for eight
 * saving at once (each on its own channel, connected as soon as the port opens); then a warm
 * save's p50 on the same daemon. About fifteen seconds in all.
 */
export async function measureStartUp(options: { redisUrl: string; prefix: string; entry?: string; shape: Parameters<typeof generateWorld>[0] }): Promise<StartUpResult> {
  const template = RequestTemplate.of(generateWorld(options.shape));
  const runs: StartUpRun[] = [];
  let warmSaveP50Ms = NaN;
  // The first restart is not reported: it only warms this process's own client code, which a
  // game server that has run for a while has warm too.
  for (const [tag, gameServers, reported] of [[0, 1, false], [1, 1, true], [2, 8, true]] as const) {
    const port = await freePort();
    const spawned = performance.now();
    const starting = PersistdDaemon.start({ redisUrl: options.redisUrl, keyPrefix: options.prefix, entry: options.entry, port });
    await portOpens(port, 60_000);
    const listening = performance.now();
    const clients = Array.from({ length: gameServers }, () => new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), CHANNEL_OPTIONS));
    try {
      const acks = await Promise.all(
        clients.map(async (client, i) => {
          await rawUnaryCall(client, SAVE_PATH, template.copyFor(worldIdOf('u', 'S', tag, i)), { deadline: Date.now() + SAVE_DEADLINE_MS });
          return performance.now();
        }),
      );
      if (reported) runs.push({ gameServers, startToListeningMs: listening - spawned, listeningToFirstSaveMs: Math.max(...acks) - listening });
      const daemon = await starting;
      try {
        if (tag === 1) {
          const times: number[] = [];
          for (let n = 0; n < WARM_SAVES; n++) {
            const t0 = performance.now();
            await rawUnaryCall(clients[0]!, SAVE_PATH, template.copyFor(worldIdOf('u', 'S', 9, n)), { deadline: Date.now() + SAVE_DEADLINE_MS });
            times.push(performance.now() - t0);
          }
          warmSaveP50Ms = percentile(times, 50);
        }
      } finally {
        await daemon.stop();
      }
    } finally {
      for (const c of clients) c.close();
    }
  }
  return { runs, warmSaveP50Ms };
}
