/**
 * Server authority (DESIGN §3): who may call, proven by mutual TLS and/or bearer tokens, allowed
 * by PERSISTD_ALLOWED_PRINCIPALS, bound to world globs. Everything a daemon needs comes from
 * `authorityFromSettings`.
 */
import type { Logger } from 'pino';
import type { Settings } from '../config/settings';
import { parseAllowlist } from './allowlist';
import { Authority } from './authority';
import { serverCredentialsOf } from './server-credentials';
import { loadTokens } from './tokens';

export { Authority, ANONYMOUS, type Admission, type AuthorityConfig, type CallCredentials } from './authority';
export { parseAllowlist, worldGlob, grantCovers, type Allowlist, type WorldGlob } from './allowlist';
export { parseTokens, loadTokens, bearerOf, type TokenTable } from './tokens';
export { identitiesOf, parseSubjectAltName } from './peer-identity';
export { peekWorldId } from './world-peek';
export { serverCredentialsOf, type Transport } from './server-credentials';
export { watchHandshakeFailures } from './handshake-failures';

/** Reads the authority settings (files included); every inconsistency is a ConfigError that says why. */
export function authorityFromSettings(
  settings: Pick<Settings, 'tlsCert' | 'tlsKey' | 'tlsClientCa' | 'allowedPrincipals' | 'tokensFile' | 'adminPrincipals'>,
  logger?: Logger,
): { authority: Authority; credentials: ReturnType<typeof serverCredentialsOf>['credentials']; transport: ReturnType<typeof serverCredentialsOf>['transport'] } {
  const { credentials, transport } = serverCredentialsOf(settings);
  const tokens = settings.tokensFile === undefined ? undefined : loadTokens(settings.tokensFile);
  const allowlist = settings.allowedPrincipals === undefined ? undefined : parseAllowlist(settings.allowedPrincipals);
  const admins = settings.adminPrincipals === undefined ? undefined : parseAllowlist(settings.adminPrincipals, 'PERSISTD_ADMIN_PRINCIPALS');
  const authority = new Authority({ tokens, mutualTls: transport === 'mutual-tls', allowlist, admins }, logger);
  return { authority, credentials, transport };
}
