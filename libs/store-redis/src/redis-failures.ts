import { StoreError, isStoreError } from './store-error';

/**
 * The one module that turns foreign failures (ioredis, sockets, Redis error replies) into store
 * codes. Whether a failure is harmless depends on where the commit was when it hit:
 *
 * - `before-exec`: nothing that changes committed state has been written (staging only adds
 *   chunks with a TTL, which expire by themselves) → `STORE_UNAVAILABLE`, safe to retry.
 * - `after-exec`: MULTI…EXEC went out on the socket; unless Redis itself answered the EXEC with
 *   an error, the transaction may or may not have applied → `COMMIT_OUTCOME_UNKNOWN`; a retry
 *   with the same request id resolves it (DESIGN §5 step 5).
 * - `applied`: the commit is known to have applied (EXEC answered with its results, or the
 *   request record of a replay shows it), and a later step — the replica acknowledgement — failed.
 *   Every failure is then `COMMIT_OUTCOME_UNKNOWN`, a Redis refusal included (`WAIT` on a master
 *   that a failover demoted, `READONLY`, `NOPERM`): the refusal applied nothing *itself*, but the
 *   commit before it did, and "nothing was applied" would be a lie a client acts on.
 *
 * Reads always use `before-exec`: they change nothing.
 */
export type FailurePhase = 'before-exec' | 'after-exec' | 'applied';

interface Mapping {
  /** Short, stable name of the failure; goes to ErrorInfo metadata `failure`. */
  failure: string;
  matches(e: Error & { code?: unknown }): boolean;
  /** True when the failure proves nothing reached Redis (or Redis refused it), even after EXEC was issued. */
  neverApplied: boolean;
  /** One line: why this failure means what it means. */
  reason: string;
}

const hasCode = (...codes: string[]) => (e: { code?: unknown }) => typeof e.code === 'string' && codes.includes(e.code);
const messageIs = (text: string) => (e: Error) => e.message === text;

/** Ordered: the first match wins. */
const MAPPINGS: readonly Mapping[] = [
  {
    failure: 'offline',
    matches: messageIs("Stream isn't writeable and enableOfflineQueue options is false"),
    neverApplied: true,
    reason: 'ioredis refused the command locally because the socket is not ready; nothing was written',
  },
  {
    failure: 'connection-refused',
    matches: hasCode('ECONNREFUSED'),
    neverApplied: true,
    reason: 'nothing listens at the Redis address; no connection, so nothing was sent',
  },
  {
    failure: 'dns',
    matches: hasCode('ENOTFOUND', 'EAI_AGAIN'),
    neverApplied: true,
    reason: 'the Redis host name does not resolve; no connection, so nothing was sent',
  },
  {
    failure: 'unreachable',
    matches: hasCode('EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN'),
    neverApplied: true,
    reason: 'no route to the Redis host; no connection, so nothing was sent',
  },
  {
    failure: 'connect-timeout',
    matches: (e) => e.message === 'connect ETIMEDOUT',
    neverApplied: true,
    reason: 'the TCP connect did not finish within connectTimeout; no connection, so nothing was sent',
  },
  {
    failure: 'redis-error-reply',
    matches: (e) => e.name === 'ReplyError',
    neverApplied: true,
    reason:
      'Redis answered with an error (LOADING, BUSY, READONLY, OOM, NOPERM, MOVED, EXECABORT, …): it refused the command, and an EXEC it refuses runs nothing',
  },
  {
    failure: 'cluster-not-ready',
    matches: messageIs("Cluster isn't ready and enableOfflineQueue options is false"),
    neverApplied: true,
    reason: 'the Redis Cluster client refused the command locally: it is (re)connecting to the cluster; nothing was written',
  },
  {
    failure: 'cluster-unreachable',
    matches: (e) => e.name === 'ClusterAllFailedError' || ['None of startup nodes is available', 'Node is disconnected', 'Cluster is ended.'].includes(e.message),
    neverApplied: true,
    reason: 'no node of the Redis Cluster answered (or the client is closed); nothing was sent',
  },
  {
    failure: 'cluster-redirections',
    matches: (e) => e.message.startsWith('Too many Cluster redirections.'),
    neverApplied: true,
    reason: 'the cluster kept redirecting the command (a slot moving, a failover in progress) and the last node refused it',
  },
  {
    failure: 'max-retries',
    matches: (e) => e.name === 'MaxRetriesPerRequestError',
    neverApplied: false,
    reason: 'the connection dropped and did not come back within maxRetriesPerRequest',
  },
  {
    failure: 'connection-closed',
    matches: messageIs('Connection is closed.'),
    neverApplied: false,
    reason: 'the socket closed with the command pending (or before it was sent); the reply is lost',
  },
  {
    failure: 'connection-reset',
    matches: hasCode('ECONNRESET', 'EPIPE'),
    neverApplied: false,
    reason: 'the peer reset the connection; whatever was in flight has no reply',
  },
  {
    failure: 'timeout',
    matches: (e) => hasCode('ETIMEDOUT')(e) || e.message === 'Command timed out',
    neverApplied: false,
    reason: 'no reply within the command timeout; Redis may still execute what it received',
  },
  {
    failure: 'protocol',
    matches: (e) => e.name === 'ParserError',
    neverApplied: false,
    reason: 'the reply stream could not be parsed, so replies can no longer be matched to commands',
  },
];

/**
 * The store error for a foreign failure, or `undefined` before EXEC when the failure is not a
 * Redis/connection failure at all (a bug should surface as itself, not as "unavailable").
 * After EXEC every failure is an unknown outcome unless it provably applied nothing; once the
 * commit is known applied, every failure is an unknown outcome.
 */
export function mapRedisFailure(err: unknown, phase: FailurePhase): StoreError | undefined {
  if (isStoreError(err)) return err;
  const e = err instanceof Error ? (err as Error & { code?: unknown }) : new Error(String(err));
  const mapping = MAPPINGS.find((m) => m.matches(e));
  const metadata: Record<string, string> = { failure: mapping?.failure ?? 'unexpected' };
  if (mapping?.failure === 'redis-error-reply') metadata.redis_error = e.message.split(' ', 1)[0] ?? '';
  if (phase === 'applied') {
    return new StoreError(
      'COMMIT_OUTCOME_UNKNOWN',
      `the commit applied on the master, but a step after it failed (${metadata.failure}: ${e.message}), so whether it is safe is unknown; retry with the same request id`,
      { metadata, cause: err },
    );
  }
  if (phase === 'after-exec' && !mapping?.neverApplied) {
    return new StoreError(
      'COMMIT_OUTCOME_UNKNOWN',
      `the commit may or may not have applied (${mapping?.failure ?? 'unexpected failure'}: ${e.message}); retry with the same request id`,
      { metadata: { failure: metadata.failure! }, cause: err },
    );
  }
  if (!mapping) return undefined;
  return new StoreError('STORE_UNAVAILABLE', `Redis cannot serve the request (${mapping.failure}: ${e.message}); nothing was applied`, {
    metadata,
    cause: err,
  });
}

/** Throws the mapped store error, or the original error when it is not a store failure. */
export function rethrowAsStoreError(err: unknown, phase: FailurePhase): never {
  throw mapRedisFailure(err, phase) ?? err;
}

/** A STORE_UNAVAILABLE raised by the store itself (not by a foreign error). */
export function unavailable(failure: string, message: string, cause?: unknown): StoreError {
  return new StoreError('STORE_UNAVAILABLE', message, { metadata: { failure }, cause });
}
