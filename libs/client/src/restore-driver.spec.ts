import { setTimeout as sleep } from 'node:timers/promises';
import { fromBinary } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { ActivationState, OwnerSystem, RestorePhase, RestoreRequestSchema, toStatusObject, type RestoreResponse } from '@persistd/contract';
import { generateWorld, smallWorld } from '@persistd/testkit';
import { PersistdClient } from './persistd-client';
import { isPersistdError } from './persistd-error';
import { RestoreDriver } from './restore-driver';
import type { RestoreHandlers } from './restore-handlers';
import { isRestoreRefusedError, type RestoreRefusal } from './restore-refusal';
import { startTestServer, type TestServer } from './test/grpc-test-server';
import { restoreMessages } from './test/restore-messages';

const EPOCH = 7n;

/** What the test server streams for one world id, and how the call ends. */
interface Scenario {
  messages: RestoreResponse[];
  end?: 'ok' | 'hang' | Partial<grpc.StatusObject>;
  /** Resolves when the server sees the client cancel the call. */
  cancelled: Promise<void>;
  onCancel: () => void;
}

const scenarios = new Map<string, Scenario>();
let server: TestServer;
let client: PersistdClient;
let nextWorld = 0;

beforeAll(async () => {
  server = await startTestServer({
    restore: (call) => {
      const { worldId } = fromBinary(RestoreRequestSchema, call.request);
      const scenario = scenarios.get(worldId);
      if (!scenario) {
        call.emit('error', toStatusObject({ code: grpc.status.NOT_FOUND, message: `${worldId} was never saved`, reason: 'WORLD_NOT_FOUND', metadata: {}, violations: [] }));
        return;
      }
      call.on('cancelled', scenario.onCancel);
      for (const m of scenario.messages) call.write(m);
      if (scenario.end === 'hang') return;
      if (scenario.end === undefined || scenario.end === 'ok') call.end();
      else call.emit('error', scenario.end);
    },
  });
  client = new PersistdClient(server.address);
});

afterAll(async () => {
  client.close();
  await server.stop();
});

/**
 * Registers the legal stream of a fresh small world (2 records a message), damaged by `damage`;
 * returns the world id to restore and the scenario. Cancellation is observed server side.
 */
function serve(damage: (msgs: RestoreResponse[]) => void = () => undefined, end?: Scenario['end']): { worldId: string; scenario: Scenario } {
  const worldId = `w-${nextWorld++}`;
  const messages = restoreMessages(smallWorld(worldId, EPOCH), { epoch: EPOCH, recordsPerMessage: 2 });
  damage(messages);
  let onCancel!: () => void;
  const cancelled = new Promise<void>((resolve) => (onCancel = () => resolve()));
  const scenario: Scenario = { messages, end, cancelled, onCancel };
  scenarios.set(worldId, scenario);
  return { worldId, scenario };
}

/** Handlers that log `system:chunk:records` for every call, in call order. */
function recorder(): { calls: string[]; handlers: RestoreHandlers } {
  const calls: string[] = [];
  const log = (name: string) => (_s: unknown, c: { chunk: number; records: number }) => void calls.push(`${name}:${c.chunk}:${c.records}`);
  return { calls, handlers: { player: log('player'), world: log('world'), npc: log('npc'), item: log('item'), quest: log('quest') } };
}

/** The calls a legal small world makes with 2 records a message (4 players, 6 zones, 5 npcs, 12 items, 4 quests). */
const LEGAL_CALLS = [
  'player:0:2', 'player:1:2',
  'world:0:2', 'world:1:2', 'world:2:2',
  'npc:0:2', 'npc:1:2', 'npc:2:1',
  'item:0:2', 'item:1:2', 'item:2:2', 'item:3:2', 'item:4:2', 'item:5:2',
  'quest:0:2', 'quest:1:2',
];
const SYSTEMS = ['none', 'player', 'world', 'npc', 'item', 'quest'] as const;
type Through = (typeof SYSTEMS)[number] | number;
/** The legal calls of every system up to and including `last`, or the first `last` calls. */
const callsThrough = (last: Through) =>
  typeof last === 'number' ? LEGAL_CALLS.slice(0, last) : LEGAL_CALLS.filter((c) => SYSTEMS.indexOf(c.split(':')[0] as never) <= SYSTEMS.indexOf(last));

const first = (msgs: RestoreResponse[], c: RestoreResponse['payload']['case']) => msgs.findIndex((m) => m.payload.case === c);
const last = (msgs: RestoreResponse[]) => msgs[msgs.length - 1];
const activationOf = (msgs: RestoreResponse[]) => {
  const p = last(msgs).payload;
  if (p.case !== 'activation') throw new Error('fixture: the last message is not the activation');
  return p.value;
};
const sectionOf = (m: RestoreResponse) => {
  if (m.payload.case === undefined || m.payload.case === 'activation') throw new Error('fixture: not a section');
  return m.payload.value;
};

describe('RestoreDriver over a real grpc-js server: legal streams', () => {
  it('calls the handlers in phase order, once per message, and returns an inactive world', async () => {
    const { worldId } = serve();
    const { calls, handlers } = recorder();
    const world = await client.restore(worldId, {}, handlers);
    expect(calls).toEqual(LEGAL_CALLS);
    expect(world.worldId).toBe(worldId);
    expect(world.epoch).toBe(EPOCH);
    expect(world.digest).toBe('a'.repeat(64));
    expect(world.contentDigest).toBe('b'.repeat(64));
    expect(world.schemaVersion).toBe(1);
    expect(world.contentVersion).toBe('content-1.0.0');
    expect(world.counts).toEqual({ players: 4, zones: 6, npcs: 5, items: 12, quests: 4 });
    expect(world.isActive).toBe(false);
    expect(world.activationStates().map((s) => s.state)).toEqual(Array(5).fill(ActivationState.INACTIVE));
  });

  it('stays inactive until activate(), then reports every system active', async () => {
    const { worldId } = serve();
    const world = await client.restore(worldId, {}, recorder().handlers);
    expect(world.activationState(OwnerSystem.ITEM)).toBe(ActivationState.INACTIVE);
    world.activate();
    expect(world.isActive).toBe(true);
    expect(world.activationStates()).toEqual(
      [OwnerSystem.PLAYER, OwnerSystem.WORLD, OwnerSystem.NPC, OwnerSystem.ITEM, OwnerSystem.QUEST].map((system) => ({ system, state: ActivationState.ACTIVE })),
    );
    expect(world.activationState(OwnerSystem.UNSPECIFIED)).toBe(ActivationState.UNSPECIFIED);
    world.activate();
    expect(world.isActive).toBe(true);
  });

  it('awaits each async handler before it reads the next message', async () => {
    const { worldId } = serve();
    const events: string[] = [];
    const slow = (name: string) => async (_s: unknown, c: { chunk: number }) => {
      events.push(`start ${name}:${c.chunk}`);
      await sleep((c.chunk % 3) * 5);
      events.push(`end ${name}:${c.chunk}`);
    };
    await client.restore(worldId, {}, { player: slow('player'), world: slow('world'), npc: slow('npc'), item: slow('item'), quest: slow('quest') });
    const expected = LEGAL_CALLS.flatMap((c) => {
      const [name, chunk] = c.split(':');
      return [`start ${name}:${chunk}`, `end ${name}:${chunk}`];
    });
    expect(events).toEqual(expected);
  });

  it('passes each handler its phase, system and the restored epoch', async () => {
    const { worldId } = serve();
    const seen = new Set<string>();
    const note = (_s: unknown, c: { system: OwnerSystem; phase: RestorePhase; epoch: bigint }) => void seen.add(`${OwnerSystem[c.system]}/${RestorePhase[c.phase]}/${c.epoch}`);
    await client.restore(worldId, { epoch: EPOCH }, { player: note, world: note, npc: note, item: note, quest: note });
    expect([...seen]).toEqual(['PLAYER/PLAYERS/7', 'WORLD/WORLD/7', 'NPC/BOUND/7', 'ITEM/BOUND/7', 'QUEST/BOUND/7']);
  });

  it('hands an empty section over as one message with no records', async () => {
    const worldId = `w-${nextWorld++}`;
    const empty = generateWorld({ worldId, players: 1, zones: 1, npcs: 0, items: 0, quests: 0, epoch: EPOCH });
    scenarios.set(worldId, { messages: restoreMessages(empty, { epoch: EPOCH }), cancelled: Promise.resolve(), onCancel: () => undefined });
    const { calls, handlers } = recorder();
    const world = await client.restore(worldId, {}, handlers);
    expect(calls).toEqual(['player:0:1', 'world:0:1', 'npc:0:0', 'item:0:0', 'quest:0:0']);
    expect(world.counts).toEqual({ players: 1, zones: 1, npcs: 0, items: 0, quests: 0 });
  });

  it('drives a raw restoreStream when used on its own', async () => {
    const { worldId } = serve();
    const { calls, handlers } = recorder();
    const world = await new RestoreDriver(handlers, { worldId }).run(client.restoreStream(worldId));
    expect(calls).toEqual(LEGAL_CALLS);
    expect(world.isActive).toBe(false);
  });
});

describe('RestoreDriver over a real grpc-js server: illegal streams', () => {
  // [what, reason, the systems (or the number of legal calls) handled before the refusal, damage]
  const table: [string, RestoreRefusal, Through, (m: RestoreResponse[]) => void][] = [
    ['world before players', 'out-of-order', 'none', (m) => m.unshift(...m.splice(first(m, 'world'), 1))],
    ['items before npcs', 'out-of-order', 'world', (m) => m.splice(first(m, 'npcs'), 0, ...m.splice(first(m, 'items'), 1))],
    ['the world section missing', 'out-of-order', 'player', (m) => m.splice(first(m, 'world'), 3)],
    ['players again after the world', 'repeated-phase', 'world', (m) => m.splice(first(m, 'npcs'), 0, m[0])],
    ['npcs again after items', 'repeated-phase', 'item', (m) => m.splice(first(m, 'quests'), 0, m[first(m, 'npcs')])],
    ['the quest section missing', 'missing-phase', 'item', (m) => m.splice(first(m, 'quests'), 2)],
    ['the BOUND phase missing', 'missing-phase', 'world', (m) => m.splice(first(m, 'npcs'), 11)],
    ['no activation', 'missing-phase', 'quest', (m) => m.pop()],
    ['a message after the activation', 'after-activation', 'quest', (m) => m.push(m[0])],
    ['two activations', 'after-activation', 'quest', (m) => m.push(last(m))],
    ['npcs declared as phase WORLD', 'phase-payload-mismatch', 'world', (m) => (m[first(m, 'npcs')].phase = RestorePhase.WORLD)],
    ['a message without payload', 'unknown-payload', 'world', (m) => (m[first(m, 'npcs')].payload = { case: undefined })],
    ['a message of another epoch', 'epoch-mismatch', 'world', (m) => (m[first(m, 'npcs')].epoch = EPOCH + 1n)],
    ['a section of another source epoch', 'epoch-mismatch', 'npc', (m) => (sectionOf(m[first(m, 'items')]).sourceEpoch = EPOCH - 1n)],
    ['an activation of another epoch', 'epoch-mismatch', 'quest', (m) => (activationOf(m).epoch = EPOCH + 1n)],
    ['a stream of epoch 0', 'epoch-mismatch', 'none', (m) => m.forEach((x) => (x.epoch = 0n))],
    ['a world section naming another world', 'world-mismatch', 'player', (m) => (sectionOf(m[first(m, 'world')]) as { worldId: string }).worldId = 'elsewhere'],
    ['an activation naming another world', 'world-mismatch', 'quest', (m) => (activationOf(m).worldId = 'elsewhere')],
    ['a section of another schema version', 'version-mismatch', 'npc', (m) => (sectionOf(m[first(m, 'items')]).schemaVersion = 2)],
    ['a world chunk of another content version', 'version-mismatch', 3, (m) => ((sectionOf(m[first(m, 'world') + 1]) as { contentVersion: string }).contentVersion = 'content-2')],
    ['an activation counting one item more', 'count-mismatch', 'quest', (m) => (activationOf(m).counts!.items += 1)],
    ['an activation counting one player fewer', 'count-mismatch', 'quest', (m) => (activationOf(m).counts!.players -= 1)],
    ['an activation without counts', 'count-mismatch', 'quest', (m) => (activationOf(m).counts = undefined)],
    ['a system already ACTIVE', 'activation-state', 'quest', (m) => (activationOf(m).systems[2].state = ActivationState.ACTIVE)],
    ['a system missing from the activation', 'activation-state', 'quest', (m) => activationOf(m).systems.pop()],
    ['a system listed twice', 'activation-state', 'quest', (m) => activationOf(m).systems.push(activationOf(m).systems[0])],
  ];

  it.each(table)('refuses %s as %s, calling no handler after', async (_what, reason, through, damage) => {
    const { worldId } = serve(damage);
    const { calls, handlers } = recorder();
    const outcome = await client.restore(worldId, {}, handlers).catch((e: unknown) => e);
    expect(isRestoreRefusedError(outcome)).toBe(true);
    expect((outcome as { reason: string }).reason).toBe(reason);
    expect(calls).toEqual(callsThrough(through));
  });

  it('refuses a stream of another epoch than the one requested', async () => {
    const { worldId } = serve();
    const { calls, handlers } = recorder();
    await expect(client.restore(worldId, { epoch: EPOCH - 1n }, handlers)).rejects.toMatchObject({ name: 'RestoreRefusedError', reason: 'epoch-mismatch', messageIndex: 0 });
    expect(calls).toEqual([]);
  });

  it('says where the stream broke', async () => {
    const { worldId } = serve((m) => m.splice(first(m, 'npcs'), 0, ...m.splice(first(m, 'items'), 1)));
    const refusal = await client.restore(worldId, {}, recorder().handlers).catch((e: unknown) => e);
    expect(refusal).toMatchObject({ reason: 'out-of-order', messageIndex: 5 });
    expect((refusal as Error).message).toBe('restore refused (out-of-order, message 5): items (phase BOUND) arrived while expecting world or npcs');
    expect((refusal as Error).cause).toMatchObject({ name: 'RestoreSequenceError', reason: 'out-of-order' });
  });

  it('cancels the call once it refuses, so the daemon stops sending', async () => {
    const { worldId, scenario } = serve((m) => m.splice(2, 0, m[first(m, 'items')]), 'hang');
    await expect(client.restore(worldId, {}, recorder().handlers)).rejects.toMatchObject({ reason: 'out-of-order' });
    await expect(withTimeout(scenario.cancelled, 5000)).resolves.toBeUndefined();
  });

  it('stops at a handler that throws, with that error, and cancels the call', async () => {
    const { worldId, scenario } = serve(undefined, 'hang');
    const { calls, handlers } = recorder();
    const boom = new Error('zone table full');
    handlers.world = () => Promise.reject(boom);
    await expect(client.restore(worldId, {}, handlers)).rejects.toBe(boom);
    expect(calls).toEqual(callsThrough('player'));
    await expect(withTimeout(scenario.cancelled, 5000)).resolves.toBeUndefined();
  });
});

describe('RestoreDriver over a real grpc-js server: daemon refusals', () => {
  it('surfaces a refusal before the first message as a PersistdError', async () => {
    const { calls, handlers } = recorder();
    const e = await client.restore('never-saved', {}, handlers).catch((err: unknown) => err);
    expect(isPersistdError(e)).toBe(true);
    expect(e).toMatchObject({ code: grpc.status.NOT_FOUND, reason: 'WORLD_NOT_FOUND', outcomeUnknown: false });
    expect(calls).toEqual([]);
  });

  it('surfaces a failure mid-stream as a PersistdError and hands out no world', async () => {
    const dataLoss = toStatusObject({ code: grpc.status.DATA_LOSS, message: 'chunk gone', reason: 'MISSING_COMPONENT', metadata: { chunk: 'abc' }, violations: [] });
    const { worldId } = serve((m) => m.splice(first(m, 'world')), dataLoss);
    const { calls, handlers } = recorder();
    const e = await client.restore(worldId, {}, handlers).catch((err: unknown) => err);
    expect(e).toMatchObject({ name: 'PersistdError', code: grpc.status.DATA_LOSS, reason: 'MISSING_COMPONENT', metadata: { chunk: 'abc' } });
    expect(calls).toEqual(callsThrough('player'));
  });
});

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms).unref())]);
}
