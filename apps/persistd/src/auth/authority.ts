import type { DescMessage } from '@bufbuild/protobuf';
import type { Metadata } from '@grpc/grpc-js';
import type { AuthContext } from '@grpc/grpc-js/build/src/auth-context';
import type { Logger } from 'pino';
import { ConfigError } from '../config/settings';
import { Refusal } from '../rpc/refusal';
import { grantCovers, type Allowlist, type WorldGlob } from './allowlist';
import { identitiesOf } from './peer-identity';
import { bearerOf, type TokenTable } from './tokens';
import { peekWorldId } from './world-peek';
import { isAdminRpc } from './admin-rpcs';

/** The admin list when PERSISTD_ADMIN_PRINCIPALS is unset while credentials are configured. */
const NOBODY: Allowlist = { grants: new Map() };

/** What authority is made from (see `authorityFromSettings`). */
export interface AuthorityConfig {
  /** PERSISTD_TOKENS_FILE, parsed. */
  tokens?: TokenTable;
  /** PERSISTD_TLS_CLIENT_CA is set: every connection carries a certificate from that CA. */
  mutualTls: boolean;
  /** PERSISTD_ALLOWED_PRINCIPALS, parsed. */
  allowlist?: Allowlist;
  /** PERSISTD_ADMIN_PRINCIPALS, parsed: who may call admin RPCs (admin-rpcs.ts). */
  admins?: Allowlist;
}

/** The part of a grpc-js server call authority reads. */
export interface CallCredentials {
  readonly metadata: Metadata;
  getAuthContext(): AuthContext;
  getPeer(): string;
}

/** Who is calling, once admitted; `principal` is what EpochMeta.principal records. */
export interface Admission {
  principal: string;
  /** The world id authority checked the caller against, when the caller is bound to worlds. */
  checkedWorld?: string;
}

/** The outcome of authentication and permission: each party with the grants its names hold. */
interface Authenticated {
  granted: { names: string[]; what: string; grants: { name: string; grant: 'any' | readonly WorldGlob[] }[] }[];
  tokenPrincipal: string | undefined;
}

/** The principal recorded when no credentials are configured (loopback-only deployments). */
export const ANONYMOUS = 'anonymous';

/**
 * Server authority (DESIGN §3 "Who may call"): the first thing every PersistenceService call
 * meets. Steps 1 and 2 run on the call's metadata, before its message is read (`admitMetadata`);
 * step 3 needs the world id, so it runs on the bytes, for authenticated callers only. In order:
 *
 *   1. authentication — the bearer token (PERSISTD_TOKENS_FILE) and/or the verified client
 *      certificate (mutual TLS); no or an unknown token → UNAUTHENTICATED;
 *   2. permission — the token's principal, or one of the certificate's SAN URIs, SAN DNS names or
 *      CN, must be allowlisted; otherwise PERMISSION_DENIED/CLIENT_AUTHORED;
 *   3. world binding — a principal allowlisted as `principal=world-glob` may touch only the
 *      worlds its globs match; the world id is read off the wire (world-peek.ts), so a caller
 *      bound elsewhere never gets its snapshot decoded. Unreadable bytes: MALFORMED_REQUEST.
 *
 * With both tokens and mutual TLS configured, each credential must pass on its own and the
 * token's principal is the one recorded. With neither, anyone who reaches the (loopback-only)
 * port is `anonymous`. A TLS handshake refusal never gets here: it is counted by
 * `countHandshakeFailure`.
 */
export class Authority {
  /** Refusals by kind, for logs, metrics and tests. */
  readonly counters = { handshakeFailures: 0, unauthenticated: 0, denied: 0 };

  constructor(
    private readonly config: AuthorityConfig,
    private readonly logger?: Logger,
  ) {
    if (config.mutualTls && !config.allowlist) {
      throw new ConfigError('PERSISTD_TLS_CLIENT_CA is set without PERSISTD_ALLOWED_PRINCIPALS: every certificate that CA ever issued could save; list the principals allowed to call');
    }
    if (config.allowlist && !config.mutualTls && !config.tokens) {
      throw new ConfigError('PERSISTD_ALLOWED_PRINCIPALS is set, but neither PERSISTD_TLS_CLIENT_CA nor PERSISTD_TOKENS_FILE authenticates callers, so no principal could ever be named');
    }
  }

  /** True when callers prove who they are (mutual TLS or tokens): only then may the daemon listen beyond loopback. */
  get authenticatesCallers(): boolean {
    return this.config.mutualTls || this.config.tokens !== undefined;
  }

  /** One line for the start-up log: which credentials are required. Never a token. */
  describe(): string {
    const parts: string[] = [];
    if (this.config.mutualTls) parts.push('mutual TLS');
    if (this.config.tokens) parts.push(`bearer tokens (${this.config.tokens.principals.length} principals)`);
    if (parts.length === 0) return 'no credentials: anyone who reaches this loopback address may save';
    const allow = this.config.allowlist;
    return `${parts.join(' and ')} required${allow ? `; allowlist of ${allow.grants.size} principals` : ''}`;
  }

  /**
   * Admits a call or throws its refusal (UNAUTHENTICATED, CLIENT_AUTHORED, or MALFORMED_REQUEST
   * when a world-bound caller's bytes hide the world id). `bytes` are the request as received.
   * A refusal is counted here and logged by the call log (operations/call-log.ts, at warn), with
   * the peer and why — one line per call.
   */
  admit(call: CallCredentials, desc: DescMessage, bytes: Uint8Array): Admission {
    return this.counted(() => this.bind(this.authenticate(call, desc), desc, bytes));
  }

  /**
   * Steps 1 and 2 alone, on what arrives before a call's message: its metadata and its
   * connection. The server runs this first (authenticate-first.ts), so a caller without valid
   * credentials is refused before its body is read and never makes the daemon buffer it. Throws
   * the refusal, counted; `admit` later repeats these steps (a hash of a token) and adds step 3.
   */
  admitMetadata(call: CallCredentials, desc: DescMessage): void {
    this.counted(() => this.authenticate(call, desc));
  }

  private counted<T>(decide: () => T): T {
    try {
      return decide();
    } catch (e) {
      if (e instanceof Refusal && e.code === 'UNAUTHENTICATED') this.counters.unauthenticated++;
      if (e instanceof Refusal && e.code === 'CLIENT_AUTHORED') this.counters.denied++;
      throw e;
    }
  }

  /** Records a TLS handshake that failed (no, or a foreign, client certificate): the client only sees UNAVAILABLE. */
  countHandshakeFailure(peer: string, err: Error): void {
    this.counters.handshakeFailures++;
    this.logger?.warn({ peer, err: { message: err.message, code: (err as NodeJS.ErrnoException).code } }, 'TLS handshake refused');
  }

  /** Steps 1 and 2: who the parties are and what each may touch; undefined when no credentials are configured. */
  private authenticate(call: CallCredentials, desc: DescMessage): Authenticated | undefined {
    const { tokens, mutualTls } = this.config;
    if (!tokens && !mutualTls) return undefined;
    // Admin RPCs are granted by PERSISTD_ADMIN_PRINCIPALS instead, and never to everyone by default.
    const admin = isAdminRpc(desc);
    const allowlist = admin ? (this.config.admins ?? NOBODY) : this.config.allowlist;
    const listName = admin ? 'an admin (PERSISTD_ADMIN_PRINCIPALS)' : 'an allowed game server (PERSISTD_ALLOWED_PRINCIPALS)';

    // 1. Authentication, every configured credential.
    const parties: { names: string[]; what: string }[] = [];
    let tokenPrincipal: string | undefined;
    if (tokens) {
      const bearer = bearerOf(call.metadata.get('authorization'));
      if ('missing' in bearer) throw new Refusal('UNAUTHENTICATED', bearer.missing);
      tokenPrincipal = tokens.principalOf(bearer.token);
      if (tokenPrincipal === undefined) throw new Refusal('UNAUTHENTICATED', 'the bearer token is not known');
      parties.push({ names: [tokenPrincipal], what: `principal ${tokenPrincipal}` });
    }
    if (mutualTls) {
      const cert = call.getAuthContext().sslPeerCertificate;
      if (!cert) throw new Refusal('UNAUTHENTICATED', 'no verified client certificate');
      const names = identitiesOf(cert);
      parties.push({ names, what: `certificate [${names.join(', ')}]` });
    }

    // 2. Permission: each party needs an allowlisted name (tokens alone, without a list, allow every principal in the file).
    const granted = parties.map((p) => {
      if (!allowlist) return { ...p, grants: p.names.map((name) => ({ name, grant: 'any' as const })) };
      const grants = p.names.flatMap((name) => {
        const grant = allowlist.grants.get(name);
        return grant === undefined ? [] : [{ name, grant }];
      });
      if (grants.length === 0) throw new Refusal('CLIENT_AUTHORED', `${p.what} is not ${listName}`);
      return { ...p, grants };
    });
    return { granted, tokenPrincipal };
  }

  /** Step 3, world binding, only for parties bound to globs: needs the request's world id. */
  private bind(authenticated: Authenticated | undefined, desc: DescMessage, bytes: Uint8Array): Admission {
    if (!authenticated) return { principal: ANONYMOUS };
    const { granted, tokenPrincipal } = authenticated;
    const bound = granted.some((p) => p.grants.every((g) => g.grant !== 'any'));
    let checkedWorld: string | undefined;
    if (bound) {
      checkedWorld = peekWorldId(desc, bytes);
      if (checkedWorld === undefined) throw new Refusal('MALFORMED_REQUEST', `request does not parse as ${desc.typeName}: its world_id cannot be read`);
    }
    let principal = '';
    for (const p of granted) {
      const ok = p.grants.find((g) => (checkedWorld === undefined ? g.grant === 'any' : grantCovers(g.grant, checkedWorld)));
      if (!ok) {
        const globs = p.grants.flatMap((g) => (g.grant === 'any' ? [] : g.grant.map((x: WorldGlob) => x.source)));
        throw new Refusal('CLIENT_AUTHORED', `${p.what} may not touch world ${JSON.stringify(checkedWorld)} (allowed: ${globs.join(', ')})`);
      }
      principal ||= ok.name;
    }
    return { principal: tokenPrincipal ?? principal, checkedWorld };
  }
}
