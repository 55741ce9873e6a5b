import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { PersistenceService, rawUnaryCall } from '@persistd/contract';
import { Authority, parseAllowlist, parseTokens } from '../auth';
import type { RpcContext } from '../rpc/context';
import { InflightCalls } from '../rpc/inflight-calls';
import { WARM_UP_LIMITS, WARM_UP_REQUEST_ID, warmUpRequest } from '../save-work/warm-up';
import { bind, createGrpcServer } from '../server';

/** The principal of the warm-up save, recorded in its (discarded) meta. */
const WARM_UP_PRINCIPAL = 'persistd-warm-up';

/** The warm-up call's deadline: a Redis too slow for it leaves the warm-up undone, never the start held. */
const WARM_UP_CALL_MS = 1000;

/** What the warm-up did, for the start-up log and tests. */
export interface SavePathWarmUp {
  /** The scratch world it saved and discarded. */
  worldId: string;
  /** The save was acknowledged (committed epoch 1). */
  saved: boolean;
  /** Keys the discard deleted (0 when nothing was committed). */
  keysDeleted: number;
  ms: number;
}

/**
 * Why this exists: the save threads are warm before the port binds (SavePool.warm), but a save
 * also runs on the event loop — grpc-js and HTTP/2 taking the call, intake, the commit
 * (store-redis: staging, WATCH/MULTI/EXEC on a commit connection), sealEpochMeta, encoding and
 * sending the answer. V8 compiles all of that lazily, on first use, so a game server's first save
 * after a restart paid it: 2–2.6× a warm save. Ready-when-listening (DESIGN §3/§6) means that cost
 * is paid here, before the port binds.
 *
 * How: one real Save through the same handlers (createGrpcServer over the daemon's own context:
 * its store, save threads and stored form), over a loopback port of its own, of a scratch world
 * `persistd-warm-up-<random>`, whose keys are discarded right after (RedisStore.discardWorld): no
 * game world is touched and nothing is left in Redis. That port lives for the one call and admits
 * only a token made for it, for that one world. Its calls feed no metrics and no call log (no call
 * sinks): the warm-up is not a user save. It is checked under the default limits, as the save
 * threads' warm-up is, so tight configured limits still start.
 *
 * Never throws: a failure (Redis gone mid-way, a deadline) is reported in `saved`/`keysDeleted`
 * and the caller logs it; a warm-up that did not happen only costs the first save its old price.
 */
export async function warmSavePath(rpc: RpcContext, serverOptions: Parameters<typeof createGrpcServer>[1]): Promise<SavePathWarmUp> {
  const started = performance.now();
  const worldId = `${WARM_UP_PRINCIPAL}-${randomBytes(6).toString('hex')}`;
  const token = randomBytes(24).toString('base64url');
  const authority = new Authority({ tokens: parseTokens(`${WARM_UP_PRINCIPAL}:${token}`), mutualTls: false, allowlist: parseAllowlist(`${WARM_UP_PRINCIPAL}=${worldId}`) });
  // Its own in-flight set: the discard waits for its handler, whose commit may outlive a call past its deadline.
  const calls = new InflightCalls();
  const server = createGrpcServer({ ...rpc, authority, limits: WARM_UP_LIMITS, calls, callSinks: [] }, serverOptions);
  let client: grpc.Client | undefined;
  let saved = false;
  try {
    const port = await bind(server, '127.0.0.1:0');
    client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${token}`);
    await rawUnaryCall(client, `/${PersistenceService.typeName}/Save`, warmUpRequest(false, worldId), { deadline: Date.now() + WARM_UP_CALL_MS }, metadata);
    saved = true;
  } catch (e) {
    rpc.logger.warn({ err: e, worldId }, 'save path warm-up: the save failed; the first save after this start may be slower');
  } finally {
    client?.close();
    server.forceShutdown();
  }
  let keysDeleted = 0;
  try {
    await calls.idle();
    keysDeleted = (await rpc.store.discardWorld(worldId, WARM_UP_REQUEST_ID)).keysDeleted;
  } catch (e) {
    rpc.logger.warn({ err: e, worldId }, 'save path warm-up: its scratch world could not be discarded; delete the keys of this world id');
  }
  return { worldId, saved, keysDeleted, ms: performance.now() - started };
}
