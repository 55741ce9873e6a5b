import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { fromServiceError, GetWorldStatusRequestSchema, PersistenceService, rawUnaryCall } from '@persistd/contract';
import { type HistoryCounts, mapEntryFlood, recordFlood, stringFlood } from '@persistd/testkit';
import { Environment, type ScenarioInput } from '../scenarios/environment';
import type { ScenarioReport } from '../scenarios/report';

const MIB = 1024 * 1024;
/** The attack of DESIGN §3's "before the body": streams at once on one connection, none with a token. */
const UNAUTHENTICATED_STREAMS = 8;
const UNAUTHENTICATED_BODY_BYTES = 24 * MIB;
/** Every answer within this, or it is a hang. */
const BOUND_MS = 30_000;

const path = (name: string) => `/${PersistenceService.typeName}/${name}`;

/** One hostile call's answer: its status and ErrorInfo reason and limit, or a hang. */
interface Answer {
  code: grpc.status;
  reason?: string;
  limit?: string;
  ms: number;
}

async function call(client: grpc.Client, method: string, bytes: Uint8Array, metadata?: grpc.Metadata): Promise<Answer> {
  const started = Date.now();
  try {
    await rawUnaryCall(client, path(method), bytes, { deadline: started + BOUND_MS }, metadata);
    return { code: grpc.status.OK, ms: Date.now() - started };
  } catch (e) {
    const rich = fromServiceError(e as grpc.ServiceError);
    return { code: (e as grpc.ServiceError).code, reason: rich?.reason, limit: rich?.metadata.limit, ms: Date.now() - started };
  }
}

const show = (a: Answer) => `${grpc.status[a.code]}${a.reason ? `/${a.reason}` : ''}${a.limit ? ` (${a.limit})` : ''} after ${a.ms} ms`;

/**
 * Hostile intake against a daemon that wants bearer tokens (DESIGN §3, §7 "memory follows
 * bounds"): large bodies without a token, several at once on one connection, each refused
 * UNAUTHENTICATED on its metadata (or its stream reset) within a bound; then floods from an
 * authenticated caller — 16 MiB of empty records, a million map entries, a 16 MiB string — each
 * LIMIT_EXCEEDED naming its limit. After each kind, a second call on the same channel must be
 * answered, and the daemon must still run.
 */
export async function intakeFloods(input: ScenarioInput): Promise<ScenarioReport> {
  const dir = mkdtempSync(join(tmpdir(), 'chaos-intake-'));
  const token = randomBytes(16).toString('hex');
  writeFileSync(join(dir, 'tokens'), `chaos-gs:${token}\n`);
  const env = await Environment.start('intake-floods', input, { daemonEnv: { PERSISTD_TOKENS_FILE: join(dir, 'tokens') }, token });
  const bearer = new grpc.Metadata();
  bearer.set('authorization', `Bearer ${token}`);
  const status = toBinary(GetWorldStatusRequestSchema, create(GetWorldStatusRequestSchema, { worldId: 'intake-probe' }));
  const tally = { refused: 0, wrong: 0 };
  const judge = (what: string, a: Answer, ok: boolean) => {
    if (ok) return void tally.refused++;
    tally.wrong++;
    env.findings.push({ kind: a.code === grpc.status.DEADLINE_EXCEEDED ? 'hostile-hang' : 'hostile-status', message: `${what}: ${show(a)}` });
  };
  const secondCall = async (client: grpc.Client, after: string) => {
    const a = await call(client, 'GetWorldStatus', status, bearer);
    if (a.code !== grpc.status.OK) env.findings.push({ kind: 'hostile-hang', message: `the channel did not serve a second call after ${after}: ${show(a)}` });
  };
  try {
    const daemon = env.daemons[0]!;
    const attacker = new grpc.Client(daemon.address, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': -1 });
    try {
      const body = Buffer.alloc(UNAUTHENTICATED_BODY_BYTES, 0x5a);
      const answers = await Promise.all(Array.from({ length: UNAUTHENTICATED_STREAMS }, () => call(attacker, 'Save', body)));
      for (const a of answers) {
        const refused = a.code === grpc.status.UNAUTHENTICATED && a.reason === 'UNAUTHENTICATED';
        const reset = !a.reason && (a.code === grpc.status.CANCELLED || a.code === grpc.status.UNAVAILABLE);
        judge(`an unauthenticated ${UNAUTHENTICATED_BODY_BYTES / MIB} MiB Save`, a, refused || reset);
      }
      await secondCall(attacker, 'unauthenticated large bodies');
    } finally {
      attacker.close();
    }

    const game = new grpc.Client(daemon.address, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': -1 });
    try {
      for (const [name, bytes, limit] of [
        ['16 MiB of empty records', recordFlood('intake-r'), 'max_records_per_section'],
        ['a million map entries', mapEntryFlood('intake-m'), 'max_map_entries'],
        ['a 16 MiB string', stringFlood('intake-s'), 'max_string_bytes'],
      ] as const) {
        const a = await call(game, 'Save', bytes, bearer);
        judge(`a Save of ${name}`, a, a.code === grpc.status.INVALID_ARGUMENT && a.reason === 'LIMIT_EXCEEDED' && a.limit === limit);
        await secondCall(game, name);
      }
    } finally {
      game.close();
    }
    if (!daemon.alive) env.findings.push({ kind: 'daemon-crash', message: `persistd is not running after the intake floods:\n${daemon.logTail()}` });
    env.log(`intake floods: ${tally.refused} refused as they should be, ${tally.wrong} not`);
    const counts: HistoryCounts = { operations: tally.refused + tally.wrong, acknowledged: 0, refused: tally.refused, unknown: tally.wrong, refusedBy: {} };
    return await env.finish({ 'unauthenticated bodies': UNAUTHENTICATED_STREAMS, floods: 3 }, counts);
  } catch (e) {
    await env.close();
    throw e;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
