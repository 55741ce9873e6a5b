import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import {
  fromServiceError,
  GetWorldStatusRequestSchema,
  PersistenceService,
  SaveRequestSchema,
  SaveResponseSchema,
  StateSource,
  rawServerStreamCall,
  rawUnaryCall,
  type WorldSnapshot,
} from '@persistd/contract';
import { validateSnapshot } from '@persistd/validation';
import { acknowledged, type HistoryCounts, type Outcome, outcomeOfError } from '@persistd/testkit';
import { Environment, type ScenarioInput } from '../scenarios/environment';
import type { ScenarioReport } from '../scenarios/report';
import { recordedSave } from '../workload/save-call';
import { contentDigestOf } from '../workload/snapshots';
import { hostileInput, validSave, type HostileContext, type HostileInput, type InputKind, type RpcMethod } from './inputs';
import { hostileChangeSets, sendHostileChangeSets } from './hostile-change-sets';
import { judgeAnswer, type HostileAnswer } from './judge';

/** The size limit of the daemon under attack: small, so oversized inputs stay cheap. */
const MAX_MESSAGE_BYTES = 256 * 1024;
const DEADLINE_MS = 10_000;
/** A liveness probe (process alive, a valid request answered) after this many inputs. */
const PROBE_EVERY = 50;

const PATHS: Record<RpcMethod, string> = Object.fromEntries(
  PersistenceService.methods.map((m) => [m.localName, `/${PersistenceService.typeName}/${m.name}`]),
) as Record<RpcMethod, string>;

/**
 * Hostile input at the gRPC port: random bytes, truncated and bit-flipped valid requests, huge
 * length prefixes, runaway varints, deeply nested groups and messages, oversized messages and
 * valid requests with one field gone wrong, sent raw to all four RPCs. persistd must answer
 * every one with a DESIGN §4 status (never INTERNAL or UNKNOWN, never a hang), stay up and keep
 * answering valid requests, and commit only saves that pass validation: every Save input that
 * decodes and validates client-side goes into the history, so anything else found committed is
 * foreign content to the checker, and every stored epoch must pass full verification. Then
 * hostile change sets against the canary world, each refused with its exact code and path on
 * the same connection, which must keep answering.
 */
export async function hostileInputs(input: ScenarioInput): Promise<ScenarioReport> {
  const env = await Environment.start('hostile', input, { daemonEnv: { PERSISTD_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES) } });
  try {
    const daemon = env.daemons[0]!;
    const client = new grpc.Client(daemon.address, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': -1 });
    let op = 0;
    const ctx: HostileContext = { worlds: ['h-0', 'h-1', 'h-2'], epochs: new Map(), maxMessageBytes: MAX_MESSAGE_BYTES, nextOp: () => ++op };
    const tally = { ok: 0, refused: 0, wrong: 0 };
    const byKind: Partial<Record<InputKind, number>> = {};
    const byStatus: Record<string, number> = {};
    let tried = 0;
    try {
      for (let i = 0; i < input.scale.hostileInputs && Date.now() < env.stopAt; i++) {
        const h = hostileInput(env.rng, ctx);
        const { answer, saveOutcome } = await send(client, h, env);
        tried++;
        byKind[h.kind] = (byKind[h.kind] ?? 0) + 1;
        const statusName = grpc.status[answer.status] ?? String(answer.status);
        byStatus[statusName] = (byStatus[statusName] ?? 0) + 1;
        const wrong = judgeAnswer(answer, MAX_MESSAGE_BYTES);
        if (wrong) {
          tally.wrong++;
          env.findings.push({ kind: answer.status === grpc.status.DEADLINE_EXCEEDED ? 'hostile-hang' : 'hostile-status', message: `${h.method} ${h.kind} (${h.bytes.length} bytes ${preview(h.bytes)}): ${wrong}` });
        } else if (answer.status === grpc.status.OK) tally.ok++;
        else tally.refused++;
        if (saveOutcome?.kind === 'acknowledged') ctx.epochs.set(saveOutcome.world, saveOutcome.epoch);
        if ((i + 1) % PROBE_EVERY === 0) await probe(env, ctx);
      }
      await probe(env, ctx);
      // afterwards a valid save still commits
      const canary = validSave(env.rng, ctx, 'h-canary');
      const res = await recordedSave(env.client(), env.history, { world: 'h-canary', requestId: canary.requestId, expectedEpoch: canary.expectedEpoch, snapshot: canary.snapshot!, contentDigest: contentDigestOf(canary.snapshot!, 'h-canary') }, DEADLINE_MS);
      if (res.outcome.kind !== 'acknowledged') env.findings.push({ kind: 'hostile-hang', message: `a valid save after the hostile inputs was not acknowledged: ${JSON.stringify(res.outcome, (_, v) => (typeof v === 'bigint' ? String(v) : v))}` });
      else await hostileChanges(client, env, canary.snapshot!, res.outcome.epoch);
    } finally {
      client.close();
    }
    if (!daemon.alive) env.findings.push({ kind: 'daemon-crash', message: `persistd is not running after ${tried} hostile inputs:\n${daemon.logTail()}` });
    env.log(`${tried} hostile inputs tried: ${JSON.stringify(byKind)}; answers ${JSON.stringify(byStatus)}`);
    const counts: HistoryCounts = { operations: tried, acknowledged: tally.ok, refused: tally.refused, unknown: tally.wrong, refusedBy: {} };
    return await env.finish(byKind as Record<string, number>, counts);
  } catch (e) {
    await env.close();
    throw e;
  }
}

/**
 * Hostile change sets against the canary's epoch, on the same connection as every hostile input:
 * each must be refused with its exact code and path, and a read on that connection must still
 * answer after each. None may commit: the history checker would find the canary world moved.
 */
async function hostileChanges(client: grpc.Client, env: Environment, base: WorldSnapshot, epoch: bigint): Promise<void> {
  const status = () => rawUnaryCall(client, PATHS.getWorldStatus, toBinary(GetWorldStatusRequestSchema, create(GetWorldStatusRequestSchema, { worldId: 'h-canary' })), { deadline: Date.now() + DEADLINE_MS });
  for (const a of await sendHostileChangeSets(client, hostileChangeSets('h-canary', epoch, base), status)) {
    if (a.wrong) env.findings.push({ kind: 'hostile-status', message: `hostile change set "${a.name}": ${a.wrong}` });
    if (!a.stillServing) env.findings.push({ kind: 'hostile-hang', message: `after the hostile change set "${a.name}" the connection no longer answered a status read` });
  }
}

/** A Save input the daemon may commit: it decodes and passes every rule client-side. */
interface Committable {
  world: string;
  requestId: string;
  expectedEpoch: bigint;
  contentDigest: string;
}

/**
 * Sends one input raw and reads the answer. A Save input that decodes and validates here is
 * recorded in the history (its outcome included), so the checker knows it may have committed.
 */
async function send(client: grpc.Client, h: HostileInput, env: Environment): Promise<{ answer: HostileAnswer; saveOutcome?: { kind: string; world: string; epoch: bigint } }> {
  const committable = h.method === 'save' ? committableOf(h.bytes) : undefined;
  const done = committable && env.history.begin(committable);
  const options = { deadline: Date.now() + DEADLINE_MS };
  try {
    if (h.method === 'restore') {
      for await (const _message of rawServerStreamCall(client, PATHS.restore, h.bytes, options)) void _message;
      return { answer: { status: grpc.status.OK, details: '', inputBytes: h.bytes.length } };
    }
    const bytes = await rawUnaryCall(client, PATHS[h.method], h.bytes, options);
    if (h.method !== 'save') return { answer: { status: grpc.status.OK, details: '', inputBytes: h.bytes.length } };
    const res = fromBinary(SaveResponseSchema, bytes);
    const outcome: Outcome = acknowledged(res);
    done?.(outcome);
    if (!committable) {
      env.findings.push({ kind: 'hostile-accepted-invalid', message: `a save that does not pass validation client-side was acknowledged as epoch ${res.committedEpoch} of ${res.worldId}` });
    }
    return { answer: { status: grpc.status.OK, details: '', inputBytes: h.bytes.length }, saveOutcome: { kind: 'acknowledged', world: res.worldId, epoch: res.committedEpoch } };
  } catch (e) {
    const err = e as grpc.ServiceError;
    const rich = fromServiceError(err);
    // grpc-js refuses a message over the size limit itself, before any handler runs: nothing can commit
    const tooLarge = !rich && err.code === grpc.status.RESOURCE_EXHAUSTED && h.bytes.length > MAX_MESSAGE_BYTES;
    done?.(tooLarge ? { kind: 'refused', code: 'GRPC_MESSAGE_TOO_LARGE', status: err.code } : outcomeOfError(e));
    return { answer: { status: typeof err.code === 'number' ? err.code : grpc.status.UNKNOWN, rich, details: err.details ?? String(e), inputBytes: h.bytes.length } };
  }
}

/** What a Save input would commit if persistd accepted it, or undefined when it must not commit. */
function committableOf(bytes: Uint8Array): Committable | undefined {
  let req;
  try {
    req = fromBinary(SaveRequestSchema, bytes, { readUnknownFields: true });
  } catch {
    return undefined;
  }
  if (req.source !== StateSource.AUTHORITATIVE_RUNTIME || !req.snapshot) return undefined;
  try {
    const violations = validateSnapshot({ worldId: req.worldId, expectedEpoch: req.expectedEpoch, source: req.source, snapshot: req.snapshot, requestId: req.requestId });
    if (violations.length > 0) return undefined;
    return { world: req.worldId, requestId: req.requestId, expectedEpoch: req.expectedEpoch, contentDigest: contentDigestOf(req.snapshot, req.worldId) };
  } catch {
    return undefined; // the rules themselves choke on it: it must not commit either
  }
}

/** The daemon is alive and answers a valid GetWorldStatus. */
async function probe(env: Environment, ctx: HostileContext): Promise<void> {
  const daemon = env.daemons[0]!;
  if (!daemon.alive) {
    env.findings.push({ kind: 'daemon-crash', message: `persistd died during the hostile inputs:\n${daemon.logTail()}` });
    await daemon.restart();
    return;
  }
  const client = env.client();
  try {
    await client.getWorldStatus({ worldId: ctx.worlds[0]! }, { deadline: Date.now() + DEADLINE_MS });
  } catch (e) {
    env.findings.push({ kind: 'hostile-hang', message: `persistd did not answer a valid GetWorldStatus between hostile inputs: ${(e as Error).message}` });
  }
}

function preview(bytes: Uint8Array): string {
  return Buffer.from(bytes.subarray(0, 24)).toString('hex') + (bytes.length > 24 ? '…' : '');
}
