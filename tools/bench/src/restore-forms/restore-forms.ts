import { create, toBinary } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { rawUnaryCall, SaveRequestSchema, StateSource } from '@persistd/contract';
import { generateWorld, type WorldShape } from '@persistd/testkit';
import { PersistdDaemon } from '../procs/persistd-daemon';
import { CHANNEL_OPTIONS, RESTORE_PATH, SAVE_PATH } from '../run/cells';
import { restoreRequest } from '../request-template';
import { timeStream } from '../run/stream-call';

/**
 * Restore throughput of one world stored in form 1 and in form 2 (DESIGN §5: restore must not
 * fall; the target is form 2 ≥ 0.75× form 1 on an L world). Two daemons, one writing each
 * form, hold the same records; restores alternate between them one at a time, so both meet the
 * same machine load. Bounded: at most `rounds` restores each, and no new round past `capMs`.
 */

/** One form's restores. */
export interface FormRestores {
  form: 1 | 2;
  messages: number;
  bytes: number;
  /** Per restore, call to last message. */
  ms: number[];
  medianMBps: number;
}

/** The comparison. */
export interface RestoreFormsResult {
  records: number;
  rounds: number;
  forms: [FormRestores, FormRestores];
  /** Form 2's median throughput over form 1's. */
  ratio: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

export async function measureRestoreForms(args: {
  redisUrl: string;
  keyPrefix: string;
  shape: Omit<WorldShape, 'worldId'>;
  rounds: number;
  capMs: number;
  entry?: string;
  /** The daemon from its sources through tsx (no build). */
  fromSource?: boolean;
  /** Node flags for the daemons (`--cpu-prof`, say). */
  nodeArgs?: string[];
}): Promise<RestoreFormsResult> {
  const daemons: PersistdDaemon[] = [];
  const clients: grpc.Client[] = [];
  try {
    for (const form of [1, 2] as const) {
      const daemon = await PersistdDaemon.start({ redisUrl: args.redisUrl, keyPrefix: args.keyPrefix, entry: args.entry, fromSource: args.fromSource, nodeArgs: args.nodeArgs, env: { PERSISTD_STORED_FORM: String(form) } });
      daemons.push(daemon);
      const client = new grpc.Client(daemon.address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
      clients.push(client);
      const worldId = `forms-${form}`;
      const snapshot = generateWorld({ ...args.shape, worldId });
      const request = toBinary(SaveRequestSchema, create(SaveRequestSchema, { worldId, expectedEpoch: 0n, requestId: `forms-${form}-save`, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot }));
      await rawUnaryCall(client, SAVE_PATH, request, { deadline: Date.now() + 600_000 });
      await timeStream(client, RESTORE_PATH, restoreRequest(worldId)); // warm-up, not measured
    }
    // A restore of a world's latest epoch indexes it for SaveChanges on a save worker (seconds of
    // CPU for an L world); measured restores start once both daemons are done with that, so they
    // measure the restore path, not a machine shared with the indexing.
    for (const d of daemons) await d.untilIdle();
    const forms = ([1, 2] as const).map((form) => ({ form, messages: 0, bytes: 0, ms: [] as number[], medianMBps: 0 })) as [FormRestores, FormRestores];
    const until = Date.now() + args.capMs;
    for (let round = 0; round < args.rounds && Date.now() < until; round++) {
      for (const [i, f] of forms.entries()) {
        const t = await timeStream(clients[i], RESTORE_PATH, restoreRequest(`forms-${f.form}`));
        f.ms.push(t.lastMs);
        f.messages = t.messages;
        f.bytes = t.bytes;
      }
    }
    for (const f of forms) f.medianMBps = f.bytes / 1e6 / (median(f.ms) / 1000);
    const records = args.shape.players + args.shape.zones + args.shape.npcs + args.shape.items + args.shape.quests;
    return { records, rounds: forms[0].ms.length, forms, ratio: forms[1].medianMBps / forms[0].medianMBps };
  } finally {
    for (const c of clients) c.close();
    for (const d of daemons) await d.stop();
  }
}
