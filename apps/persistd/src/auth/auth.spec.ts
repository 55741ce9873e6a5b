import { create, toBinary } from '@bufbuild/protobuf';
import { Metadata } from '@grpc/grpc-js';
import { RestoreRequestSchema, SaveRequestSchema } from '@persistd/contract';
import { smallWorld } from '@persistd/testkit';
import { ConfigError } from '../config/settings';
import { Refusal } from '../rpc/refusal';
import { Authority, type CallCredentials } from './authority';
import { grantCovers, parseAllowlist } from './allowlist';
import { identitiesOf, parseSubjectAltName } from './peer-identity';
import { bearerOf, parseTokens } from './tokens';
import { peekWorldId } from './world-peek';

const saveBytes = (worldId: string) => toBinary(SaveRequestSchema, create(SaveRequestSchema, { worldId, requestId: 'r1', snapshot: smallWorld(worldId) }));

function call(opts: { token?: string; cert?: { subjectaltname?: string; CN?: string } } = {}): CallCredentials {
  const metadata = new Metadata();
  if (opts.token !== undefined) metadata.set('authorization', opts.token);
  return {
    metadata,
    getPeer: () => '127.0.0.1:1',
    getAuthContext: () =>
      opts.cert ? { transportSecurityType: 'ssl', sslPeerCertificate: { subject: { CN: opts.cert.CN }, subjectaltname: opts.cert.subjectaltname } as never } : {},
  };
}

function refusalOf(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (e) {
    if (e instanceof Refusal) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('no refusal');
}

describe('allowlist', () => {
  it('parses principals, world globs and repeated principals (union of globs, bare wins)', () => {
    const a = parseAllowlist('spiffe://caelmor/gs1, gs2.local=shard-2*, gs2.local=arena-?, gs3=x, gs3');
    expect(a.grants.get('spiffe://caelmor/gs1')).toBe('any');
    expect(a.grants.get('gs3')).toBe('any');
    const g2 = a.grants.get('gs2.local')!;
    expect(grantCovers(g2, 'shard-2')).toBe(true);
    expect(grantCovers(g2, 'shard-2-east')).toBe(true);
    expect(grantCovers(g2, 'arena-7')).toBe(true);
    expect(grantCovers(g2, 'arena-77')).toBe(false);
    expect(grantCovers(g2, 'shard-3')).toBe(false);
    expect(grantCovers(g2, 'xshard-2')).toBe(false);
  });

  it('matches dots literally', () => {
    const g = parseAllowlist('p=a.b').grants.get('p')!;
    expect(grantCovers(g, 'a.b')).toBe(true);
    expect(grantCovers(g, 'axb')).toBe(false);
  });

  it('refuses empty entries, empty principals and globs no world id could match', () => {
    expect(() => parseAllowlist('a,,b')).toThrow(ConfigError);
    expect(() => parseAllowlist('=w*')).toThrow(/names no principal/);
    expect(() => parseAllowlist('p=w/*')).toThrow(/world glob/);
  });
});

describe('tokens file', () => {
  it('splits each line on its last colon, skipping blanks and comments', () => {
    const t = parseTokens('# game servers\n\nspiffe://caelmor/gs1:tok-one\ngs2:tok-two\r\n');
    expect(t.principalOf('tok-one')).toBe('spiffe://caelmor/gs1');
    expect(t.principalOf('tok-two')).toBe('gs2');
    expect(t.principalOf('tok-three')).toBeUndefined();
    expect(t.principalOf('')).toBeUndefined();
    expect(t.principals).toEqual(['spiffe://caelmor/gs1', 'gs2']);
  });

  it('refuses malformed lines and repeated tokens by line number, never echoing a token', () => {
    expect(() => parseTokens('gs1:secret-a\nno-colon-secret')).toThrow(/line 2 is not principal:token/);
    expect(() => parseTokens('gs1:')).toThrow(/line 1/);
    expect(() => parseTokens('gs1:secret-b\ngs2:secret-b')).toThrow(/line 2 repeats a token/);
    expect(() => parseTokens('# nothing\n')).toThrow(/holds no tokens/);
    try {
      parseTokens('gs1:secret-c\ngs2:secret-c');
    } catch (e) {
      expect((e as Error).message).not.toContain('secret-c');
    }
  });

  it('reads a bearer header, refusing anything else', () => {
    expect(bearerOf(['Bearer abc'])).toEqual({ token: 'abc' });
    expect(bearerOf(['bearer abc'])).toEqual({ token: 'abc' });
    expect(bearerOf([])).toHaveProperty('missing');
    expect(bearerOf(['Basic abc'])).toHaveProperty('missing');
    expect(bearerOf(['Bearer a', 'Bearer b'])).toHaveProperty('missing');
    expect(bearerOf(['Bearer '])).toHaveProperty('missing');
  });
});

describe('certificate identities', () => {
  it('lists SAN URIs, then SAN DNS names, then the CN', () => {
    expect(identitiesOf({ subject: { CN: 'gs-cn' } as never, subjectaltname: 'DNS:gs1.local, URI:spiffe://caelmor/gs1, IP Address:127.0.0.1' })).toEqual([
      'spiffe://caelmor/gs1',
      'gs1.local',
      'gs-cn',
    ]);
    expect(identitiesOf({ subject: { CN: 'only-cn' } as never, subjectaltname: undefined as never })).toEqual(['only-cn']);
  });

  it('decodes values Node writes as JSON strings', () => {
    expect(parseSubjectAltName('DNS:"a, b", URI:x:y')).toEqual([
      { type: 'DNS', value: 'a, b' },
      { type: 'URI', value: 'x:y' },
    ]);
  });
});

describe('world peek', () => {
  it('reads world_id off the wire, last occurrence winning, without decoding the snapshot', () => {
    expect(peekWorldId(SaveRequestSchema, saveBytes('shard-9'))).toBe('shard-9');
    const twice = Buffer.concat([saveBytes('first'), toBinary(SaveRequestSchema, create(SaveRequestSchema, { worldId: 'second' }))]);
    expect(peekWorldId(SaveRequestSchema, twice)).toBe('second');
    expect(peekWorldId(RestoreRequestSchema, toBinary(RestoreRequestSchema, create(RestoreRequestSchema, { worldId: 'r', epoch: 3n })))).toBe('r');
    expect(peekWorldId(SaveRequestSchema, new Uint8Array())).toBe('');
  });

  it('gives undefined for bytes that do not parse', () => {
    expect(peekWorldId(SaveRequestSchema, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]))).toBeUndefined();
  });
});

describe('Authority', () => {
  const tokens = parseTokens('gs-a:token-a\ngs-b:token-b\ngs-c:token-c');

  it('without credentials admits everyone as anonymous and does not authenticate callers', () => {
    const a = new Authority({ mutualTls: false });
    expect(a.admit(call(), SaveRequestSchema, Buffer.from([0xff]))).toEqual({ principal: 'anonymous' });
    expect(a.authenticatesCallers).toBe(false);
  });

  it('refuses to exist with a CA but no allowlist, or an allowlist nothing can name', () => {
    expect(() => new Authority({ mutualTls: true })).toThrow(/PERSISTD_TLS_CLIENT_CA is set without PERSISTD_ALLOWED_PRINCIPALS/);
    expect(() => new Authority({ mutualTls: false, allowlist: parseAllowlist('x') })).toThrow(/no principal could ever be named/);
  });

  it('tokens: missing, malformed or unknown is UNAUTHENTICATED — before the bytes are looked at', () => {
    const a = new Authority({ mutualTls: false, tokens });
    const garbage = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]);
    expect(refusalOf(() => a.admit(call(), SaveRequestSchema, garbage)).code).toBe('UNAUTHENTICATED');
    expect(refusalOf(() => a.admit(call({ token: 'Basic token-a' }), SaveRequestSchema, garbage)).code).toBe('UNAUTHENTICATED');
    expect(refusalOf(() => a.admit(call({ token: 'Bearer token-x' }), SaveRequestSchema, garbage)).code).toBe('UNAUTHENTICATED');
    expect(a.admit(call({ token: 'Bearer token-a' }), SaveRequestSchema, garbage)).toEqual({ principal: 'gs-a' });
    expect(a.counters.unauthenticated).toBe(3);
  });

  it('tokens with an allowlist: unlisted principals and other worlds are CLIENT_AUTHORED; garbage from a bound principal is MALFORMED_REQUEST', () => {
    const a = new Authority({ mutualTls: false, tokens, allowlist: parseAllowlist('gs-a,gs-b=zone-*') });
    expect(a.admit(call({ token: 'Bearer token-a' }), SaveRequestSchema, saveBytes('anything'))).toEqual({ principal: 'gs-a' });
    expect(a.admit(call({ token: 'Bearer token-b' }), SaveRequestSchema, saveBytes('zone-1'))).toEqual({ principal: 'gs-b', checkedWorld: 'zone-1' });
    expect(refusalOf(() => a.admit(call({ token: 'Bearer token-b' }), SaveRequestSchema, saveBytes('alpha')))).toMatchObject({ code: 'CLIENT_AUTHORED', message: expect.stringContaining('zone-*') });
    expect(refusalOf(() => a.admit(call({ token: 'Bearer token-c' }), SaveRequestSchema, saveBytes('zone-1'))).code).toBe('CLIENT_AUTHORED');
    expect(refusalOf(() => a.admit(call({ token: 'Bearer token-b' }), SaveRequestSchema, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]))).code).toBe('MALFORMED_REQUEST');
    expect(a.counters.denied).toBe(2);
  });

  it('mutual TLS: the first allowlisted identity (URI, DNS, CN) is the principal; a binding is per identity', () => {
    const a = new Authority({ mutualTls: true, allowlist: parseAllowlist('spiffe://c/gs1,gs1.local=zone-*,cn-only') });
    const both = { subjectaltname: 'URI:spiffe://c/gs1, DNS:gs1.local', CN: 'cn-only' };
    expect(a.admit(call({ cert: both }), SaveRequestSchema, saveBytes('w'))).toEqual({ principal: 'spiffe://c/gs1' });
    expect(a.admit(call({ cert: { subjectaltname: 'DNS:gs1.local' } }), SaveRequestSchema, saveBytes('zone-2'))).toEqual({ principal: 'gs1.local', checkedWorld: 'zone-2' });
    expect(refusalOf(() => a.admit(call({ cert: { subjectaltname: 'DNS:gs1.local' } }), SaveRequestSchema, saveBytes('w'))).code).toBe('CLIENT_AUTHORED');
    expect(a.admit(call({ cert: { CN: 'cn-only' } }), SaveRequestSchema, saveBytes('w'))).toEqual({ principal: 'cn-only' });
    expect(refusalOf(() => a.admit(call({ cert: { subjectaltname: 'URI:spiffe://c/other', CN: 'other' } }), SaveRequestSchema, saveBytes('w'))).code).toBe('CLIENT_AUTHORED');
    expect(refusalOf(() => a.admit(call(), SaveRequestSchema, saveBytes('w'))).code).toBe('UNAUTHENTICATED');
  });

  it('mutual TLS and tokens together: both must pass; the token names the principal', () => {
    const a = new Authority({ mutualTls: true, tokens, allowlist: parseAllowlist('gs-a,host.local') });
    const cert = { subjectaltname: 'DNS:host.local' };
    expect(a.admit(call({ cert, token: 'Bearer token-a' }), SaveRequestSchema, saveBytes('w'))).toEqual({ principal: 'gs-a' });
    expect(refusalOf(() => a.admit(call({ cert }), SaveRequestSchema, saveBytes('w'))).code).toBe('UNAUTHENTICATED');
    expect(refusalOf(() => a.admit(call({ cert: { subjectaltname: 'DNS:else.local' }, token: 'Bearer token-a' }), SaveRequestSchema, saveBytes('w'))).code).toBe('CLIENT_AUTHORED');
    expect(refusalOf(() => a.admit(call({ cert, token: 'Bearer token-b' }), SaveRequestSchema, saveBytes('w'))).code).toBe('CLIENT_AUTHORED');
  });
});
