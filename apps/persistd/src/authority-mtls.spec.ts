import { setTimeout as sleep } from 'node:timers/promises';
import { create, toBinary } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { createClient, fromServiceError, PersistenceService, rawUnaryCall, SaveRequestSchema, type TypedClient } from '@persistd/contract';
import { certificateDir, scrapeMetrics, smallWorld, type CertDir, type CertFiles, type TestCa } from '@persistd/testkit';
import { healthClient } from './test/health-client';
import { dumpStore, refusalOf, saveRequest, startTestDaemon, type TestDaemon } from './test/test-daemon';

/**
 * Mutual TLS (DESIGN §3) with certificates made for this run: a CA for game servers, a foreign
 * CA, a server certificate, and clients named by SAN URI, SAN DNS and CN.
 */
/** The server certificate names localhost (and 127.0.0.1); SNI must be a host name. */
const SNI = { 'grpc.ssl_target_name_override': 'localhost' };

describe('mutual TLS', () => {
  let certs: CertDir;
  let ca: TestCa;
  let t: TestDaemon;
  const clients: TypedClient<typeof PersistenceService>[] = [];
  const leaf: Record<string, CertFiles> = {};

  beforeAll(async () => {
    certs = certificateDir();
    ca = certs.ca('game-ca');
    const foreign = certs.ca('foreign-ca');
    const server = ca.issue('server', { cn: 'persistd', dns: ['localhost'], ips: ['127.0.0.1'], usage: ['serverAuth'] });
    leaf.gs1 = ca.issue('gs1', { uris: ['spiffe://caelmor/gs1'], cn: 'ignored-cn', usage: ['clientAuth'] });
    leaf.gs2 = ca.issue('gs2', { dns: ['gs2.local'], usage: ['clientAuth'] });
    leaf.gs3 = ca.issue('gs3', { cn: 'gs3', usage: ['clientAuth'] });
    leaf.outsider = ca.issue('outsider', { uris: ['spiffe://caelmor/intruder'], cn: 'intruder', usage: ['clientAuth'] });
    leaf.forged = foreign.issue('forged', { uris: ['spiffe://caelmor/gs1'], usage: ['clientAuth'] });
    t = await startTestDaemon({
      PERSISTD_TLS_CERT: server.certFile,
      PERSISTD_TLS_KEY: server.keyFile,
      PERSISTD_TLS_CLIENT_CA: ca.certFile,
      PERSISTD_ALLOWED_PRINCIPALS: 'spiffe://caelmor/gs1,gs2.local=shard-2*,gs3',
    }, { client: { credentials: grpc.credentials.createSsl(ca.cert, leaf.gs1!.key, leaf.gs1!.cert), channelOptions: SNI } });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await t.stop();
    certs.remove();
  });

  const clientAs = (who: CertFiles | 'none') => {
    const credentials = who === 'none' ? grpc.credentials.createSsl(ca.cert) : grpc.credentials.createSsl(ca.cert, who.key, who.cert);
    const c = createClient(PersistenceService, t.daemon.address, { credentials, channelOptions: SNI });
    clients.push(c);
    return c;
  };

  const principalOf = async (worldId: string) => (await t.daemon.store.readEpochMeta(worldId, 0n)).meta.principal;

  it('an allowlisted identity saves, and its SAN URI is the principal recorded in EpochMeta', async () => {
    const res = await t.client.save(saveRequest('alpha', smallWorld('alpha')));
    expect(res.committedEpoch).toBe(1n);
    expect(await principalOf('alpha')).toBe('spiffe://caelmor/gs1');
    expect(t.daemon.transport).toBe('mutual-tls');
  });

  it('an identity allowlisted by CN saves under its CN', async () => {
    await clientAs(leaf.gs3!).save(saveRequest('gamma', smallWorld('gamma')));
    expect(await principalOf('gamma')).toBe('gs3');
  });

  it('a verified identity outside the allowlist is PERMISSION_DENIED/CLIENT_AUTHORED on every RPC, and nothing changes', async () => {
    const before = await dumpStore(t.redis, t.prefix);
    const c = clientAs(leaf.outsider!);
    for (const p of [
      c.save(saveRequest('alpha', smallWorld('alpha', 1n, 2), 1n)),
      c.validate({ worldId: 'alpha', expectedEpoch: 1n, snapshot: smallWorld('alpha', 1n) }),
      c.getWorldStatus({ worldId: 'alpha' }),
    ]) {
      const err = await refusalOf(p);
      expect({ code: err.code, reason: err.reason }).toEqual({ code: grpc.status.PERMISSION_DENIED, reason: 'CLIENT_AUTHORED' });
    }
    const restore = await refusalOf((async () => {
      for await (const _ of c.restore({ worldId: 'alpha' })) void _;
    })());
    expect(restore.reason).toBe('CLIENT_AUTHORED');
    expect(await dumpStore(t.redis, t.prefix)).toEqual(before);
  });

  it('a principal bound to another world glob is CLIENT_AUTHORED there and saves in its own worlds', async () => {
    const c = clientAs(leaf.gs2!);
    const before = await dumpStore(t.redis, t.prefix);
    const err = await refusalOf(c.save(saveRequest('alpha', smallWorld('alpha', 1n, 3), 1n)));
    expect({ code: err.code, reason: err.reason }).toEqual({ code: grpc.status.PERMISSION_DENIED, reason: 'CLIENT_AUTHORED' });
    expect(err.message).toContain('shard-2*');
    expect((await refusalOf(c.getWorldStatus({ worldId: 'alpha' }))).reason).toBe('CLIENT_AUTHORED');
    expect(await dumpStore(t.redis, t.prefix)).toEqual(before);

    await c.save(saveRequest('shard-2-east', smallWorld('shard-2-east')));
    expect(await principalOf('shard-2-east')).toBe('gs2.local');
  });

  it('a bound principal whose bytes hide the world gets MALFORMED_REQUEST; a world named twice is judged by the one decoded', async () => {
    const c = clientAs(leaf.gs2!);
    const garbage = await refusalOf(rawUnaryCall(c.grpc, '/caelmor.persist.v1.PersistenceService/Save', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f])));
    expect(garbage.reason).toBe('MALFORMED_REQUEST');
    // shard-2x first, alpha last: the decoder keeps alpha, and so does authority.
    const smuggled = Buffer.concat([
      toBinary(SaveRequestSchema, create(SaveRequestSchema, { worldId: 'shard-2x' })),
      toBinary(SaveRequestSchema, create(SaveRequestSchema, saveRequest('alpha', smallWorld('alpha', 1n, 4), 1n))),
    ]);
    const before = await dumpStore(t.redis, t.prefix);
    expect((await refusalOf(rawUnaryCall(c.grpc, '/caelmor.persist.v1.PersistenceService/Save', smuggled))).reason).toBe('CLIENT_AUTHORED');
    expect(await dumpStore(t.redis, t.prefix)).toEqual(before);
  });

  it('a certificate from a foreign CA, and no certificate, fail the handshake (UNAVAILABLE, no details); the server counts them', async () => {
    const before = await dumpStore(t.redis, t.prefix);
    for (const who of [leaf.forged!, 'none'] as const) {
      const counted = t.daemon.authority.counters.handshakeFailures;
      let err: grpc.ServiceError | undefined;
      try {
        await clientAs(who).save(saveRequest('alpha', smallWorld('alpha', 1n, 5), 1n), { deadline: Date.now() + 10_000 });
      } catch (e) {
        err = e as grpc.ServiceError;
      }
      expect(err?.code).toBe(grpc.status.UNAVAILABLE);
      expect(fromServiceError(err!)).toBeUndefined();
      for (let i = 0; i < 500 && t.daemon.authority.counters.handshakeFailures === counted; i++) await sleep(20);
      expect(t.daemon.authority.counters.handshakeFailures).toBeGreaterThan(counted);
    }
    expect(await dumpStore(t.redis, t.prefix)).toEqual(before);
    expect((await t.client.getWorldStatus({ worldId: 'alpha' })).committedEpoch).toBe(1n);
    // The metric is the counter, read at scrape time.
    const metrics = await scrapeMetrics(t.daemon.metricsUrl!);
    expect(metrics.value('persistd_tls_handshake_failures_total')).toBe(t.daemon.authority.counters.handshakeFailures);
    expect(metrics.value('persistd_tls_handshake_failures_total')).toBeGreaterThanOrEqual(2);
  });

  it('health answers anyone with a certificate of the CA, allowlisted or not; the persistence service does not', async () => {
    const credentials = grpc.credentials.createSsl(ca.cert, leaf.outsider!.key, leaf.outsider!.cert);
    const health = healthClient(t.daemon.address, credentials, SNI);
    try {
      expect(await health.check('')).toBe('SERVING');
      expect(await health.check(PersistenceService.typeName)).toBe('SERVING');
    } finally {
      health.close();
    }
    expect((await refusalOf(clientAs(leaf.outsider!).getWorldStatus({ worldId: 'alpha' }))).reason).toBe('CLIENT_AUTHORED');
  });
});
