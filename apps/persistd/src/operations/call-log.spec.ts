import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { rawServerStreamCall, RestoreRequestSchema, SaveRequestSchema, type WorldSnapshot } from '@persistd/contract';
import { smallWorld } from '@persistd/testkit';
import { captureLogs } from '../test/captured-logs';
import { refusalOf, saveRequest, startTestDaemon, type TestDaemon } from '../test/test-daemon';

/**
 * The call log, captured in-process through the daemon's own logger (redaction included): one
 * line per call with the facts an operator needs, and never a payload or a credential — even
 * when the refusal's own message quotes a value from the payload.
 */

const TOKEN = 'tok-Secret-Log-7f3a';
const WRONG = 'tok-Wrong-Log-91c2';
const MARK = 'PAYLOADMARK';

/** A small world whose records carry the marker in values (names, flags), never in ids. */
function markedWorld(worldId: string, epoch = 0n): WorldSnapshot {
  const w = smallWorld(worldId, epoch);
  for (const p of w.players!.players) p.identity!.displayName = `${MARK} ${p.playerId}`;
  for (const z of w.world!.zones) z.flags = { note: `${MARK}-${z.zoneId}` };
  return w;
}

describe('call log', () => {
  let dir: string;
  let t: TestDaemon | undefined;
  const bearer = (token: string) => {
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${token}`);
    return md;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'persistd-calllog-'));
    writeFileSync(join(dir, 'tokens'), `gs1:${TOKEN}\n`);
  });
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one JSON line per call: method, world, request id, epochs, outcome, reason, duration, bytes, principal — no payload, no token', async () => {
    const logs = captureLogs();
    t = await startTestDaemon({ PERSISTD_TOKENS_FILE: join(dir, 'tokens') }, { logger: logs.logger });
    const auth = bearer(TOKEN);

    const ok = saveRequest('log-w', markedWorld('log-w'), 0n, 'log-req-1');
    const saved = await t.client.save(ok, {}, auth);
    await t.client.validate({ worldId: 'log-w', expectedEpoch: 1n, source: ok.source, snapshot: markedWorld('log-w', 1n) }, {}, auth);
    await t.client.getWorldStatus({ worldId: 'log-w' }, {}, auth);
    let restoredBytes = 0;
    for await (const m of rawServerStreamCall(t.client.grpc, '/caelmor.persist.v1.PersistenceService/Restore', toBinary(RestoreRequestSchema, create(RestoreRequestSchema, { worldId: 'log-w' })), {}, auth)) {
      restoredBytes += m.byteLength;
    }
    // Refused: a display name too long — the violation's message quotes it; the log must not.
    const bad = markedWorld('log-w', 1n);
    bad.players!.players[0]!.identity!.displayName = `${MARK}${'x'.repeat(80)}`;
    expect((await refusalOf(t.client.save(saveRequest('log-w', bad, 1n, 'log-req-2'), {}, auth))).reason).toBe('INVALID_FIELD');
    expect((await refusalOf(t.client.save(saveRequest('log-w', markedWorld('log-w', 1n), 1n, 'log-req-3'), {}, bearer(WRONG)))).reason).toBe('UNAUTHENTICATED');

    // One line per call, and no other line about these calls.
    const calls = logs.entries().filter((e) => e.peer !== undefined);
    expect(calls.every((c) => typeof c.method === 'string' && typeof c.outcome === 'string')).toBe(true);
    expect(calls.map((c) => [c.method, c.outcome, c.reason])).toEqual([
      ['Save', 'ok', undefined],
      ['Validate', 'ok', undefined],
      ['GetWorldStatus', 'ok', undefined],
      ['Restore', 'ok', undefined],
      ['Save', 'refused', 'INVALID_FIELD'],
      ['Save', 'refused', 'UNAUTHENTICATED'],
    ]);
    const [save, validate, status, restore, invalid, unauth] = calls;
    expect(save).toMatchObject({
      level: 30,
      msg: 'Save ok',
      service: 'persistd',
      worldId: 'log-w',
      requestId: 'log-req-1',
      expectedEpoch: '0',
      epoch: '1',
      replayed: false,
      principal: 'gs1',
      bytesIn: toBinary(SaveRequestSchema, create(SaveRequestSchema, ok)).byteLength,
    });
    expect(save!.bytesOut).toBeGreaterThan(saved.digest.length);
    expect(typeof save!.durationMs).toBe('number');
    expect(save!.durationMs as number).toBeGreaterThanOrEqual(0);
    expect(String(save!.peer)).toMatch(/^(ipv4:)?127\.0\.0\.1:\d+$/);
    expect(validate).toMatchObject({ worldId: 'log-w', expectedEpoch: '1', accepted: true, principal: 'gs1' });
    expect(status).toMatchObject({ worldId: 'log-w', epoch: '1' });
    expect(restore).toMatchObject({ worldId: 'log-w', epoch: '1', bytesOut: restoredBytes, principal: 'gs1' });
    expect(invalid).toMatchObject({ level: 30, msg: 'Save refused: INVALID_FIELD', requestId: 'log-req-2', expectedEpoch: '1', violations: 1, field: expect.stringMatching(/^players\[.+\]\.identity\.display_name$/) });
    expect(invalid!.detail).toBeUndefined();
    expect(unauth).toMatchObject({ level: 40, outcome: 'refused', reason: 'UNAUTHENTICATED', detail: 'the bearer token is not known' });
    // Refused before anything was decoded: nothing of the request is known, not even the world.
    expect(unauth!.principal).toBeUndefined();
    expect(unauth!.worldId).toBeUndefined();

    const text = logs.text();
    expect(text).not.toContain(MARK);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(WRONG);
    expect(text).not.toMatch(/Bearer \S/);
  });

  it('PERSISTD_LOG_FORMAT=pretty writes readable lines with the same facts', async () => {
    const logs = captureLogs({ logFormat: 'pretty' });
    t = await startTestDaemon({}, { logger: logs.logger });
    await t.client.save(saveRequest('pretty-w', markedWorld('pretty-w'), 0n, 'pretty-req'));
    const line = logs.text().split('\n').find((l) => l.includes('Save ok'));
    expect(line).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: Save ok$/);
    const text = logs.text();
    expect(text.trimStart().startsWith('{')).toBe(false);
    expect(text).toMatch(/worldId: "pretty-w"/);
    expect(text).toMatch(/requestId: "pretty-req"/);
    expect(text).not.toContain(MARK);
  });
});
