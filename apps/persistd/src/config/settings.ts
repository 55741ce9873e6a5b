/**
 * Every setting of the daemon, defined once (DESIGN §6): its flag, its environment variable, its
 * default and how it is read. The configuration table of docs/configuration.md is generated from this list
 * (`npm run docs:config`), and a test checks that they match.
 */
import type { StoredForm } from '@persistd/contract';
import { bool, ConfigError, def, flagOf, integer, oneOf, optional, pattern, REDIS_SETTINGS, text, type SettingDef } from '@persistd/store-redis';
import { availableParallelism } from 'node:os';

// The shape, the parsers and the Redis settings are shared with the operator CLI.
export { ConfigError, flagOf, type SettingDef };

/** `auto` (one per core Node may use) or a count from 0 to 64. */
const threadCount = (raw: string | undefined, name: string): number => (raw === 'auto' ? availableParallelism() : integer(0, 64)(raw, name));

export const SETTINGS = {
  listen: def({ env: 'PERSISTD_LISTEN', default: '127.0.0.1:50051', doc: 'gRPC address (host:port); loopback only unless mutual TLS or tokens are configured', parse: text }),
  redisUrl: REDIS_SETTINGS.redisUrl,
  redisCluster: REDIS_SETTINGS.redisCluster,
  keyPrefix: REDIS_SETTINGS.keyPrefix,
  retention: REDIS_SETTINGS.retention,
  maxMessageBytes: def({ env: 'PERSISTD_MAX_MESSAGE_BYTES', default: '67108864', doc: "largest request accepted (a large world's save exceeds grpc-js's 4 MiB default); past it grpc-js answers `RESOURCE_EXHAUSTED` itself", parse: integer(1024, 2 ** 31 - 1) }),
  maxConcurrentStreams: def({ env: 'PERSISTD_MAX_CONCURRENT_STREAMS', default: '100', doc: "calls one HTTP/2 connection may have open at once (`grpc.max_concurrent_streams`); a client's further calls wait for a free stream. 100 is HTTP/2's recommended floor, enough for a game server saving and restoring many worlds over one channel, and bounds the bodies one connection can have the daemon hold", parse: integer(1, 2 ** 31 - 1) }),
  tlsCert: def({ env: 'PERSISTD_TLS_CERT', default: undefined, doc: 'server certificate chain (PEM file); with `PERSISTD_TLS_KEY` the daemon serves TLS only', parse: optional }),
  tlsKey: def({ env: 'PERSISTD_TLS_KEY', default: undefined, doc: 'server private key (PEM file)', parse: optional }),
  tlsClientCa: def({ env: 'PERSISTD_TLS_CLIENT_CA', default: undefined, doc: 'CA for client certificates (PEM file); set = mutual TLS required, and `PERSISTD_ALLOWED_PRINCIPALS` must be set', parse: optional }),
  allowedPrincipals: def({ env: 'PERSISTD_ALLOWED_PRINCIPALS', default: undefined, doc: "comma list of `principal` or `principal=world-glob` (SAN URI, SAN DNS or CN, or a token's principal; `*` and `?` in globs)", parse: optional }),
  adminPrincipals: def({ env: 'PERSISTD_ADMIN_PRINCIPALS', default: undefined, doc: 'principals that may call `DeleteWorld` (entries as in `PERSISTD_ALLOWED_PRINCIPALS`, globs bound the worlds they may delete); unset with credentials configured: nobody; without credentials: loopback callers', parse: optional }),
  tokensFile: def({ env: 'PERSISTD_TOKENS_FILE', default: undefined, doc: 'file of bearer tokens, one `principal:token` a line (split on the last `:`; `#` comments); callers send `authorization: Bearer <token>`; never logged', parse: optional }),
  restoreVerify: def({ env: 'PERSISTD_RESTORE_VERIFY', default: 'digest', doc: '`digest` (meta, chunk ids, SHA-256) or `full` (also every structural rule)', parse: oneOf('digest', 'full') }),
  storedForm: def({ env: 'PERSISTD_STORED_FORM', default: '2', doc: 'stored form new epochs are written in: `2` (chunks cut by record ids, index chunks; a save writes what changed) or `1` while a fleet still runs daemons that read only form 1; both are always read', parse: (raw, name) => Number(oneOf('1', '2')(raw, name)) as StoredForm }),
  requestTtl: def({ env: 'PERSISTD_REQUEST_TTL', default: '86400', doc: 'seconds a committed request id is remembered', parse: integer(1) }),
  stageTtl: def({ env: 'PERSISTD_STAGE_TTL', default: '600', doc: 'seconds a staged chunk lives before its commit', parse: integer(1) }),
  maxInflightBytes: def({ env: 'PERSISTD_MAX_INFLIGHT_BYTES', default: '268435456', doc: 'request bytes being processed at once, across all calls; past it `RESOURCE_EXHAUSTED` (`LIMIT_EXCEEDED`, limit `max_inflight_bytes`)', parse: integer(1024) }),
  maxRestoreBytes: def({ env: 'PERSISTD_MAX_RESTORE_BYTES', default: '268435456', doc: 'stored bytes held by restores — and by SaveChanges reading their base epoch — at once, across all calls (reserved before the chunks are read, held until the call ends); past it a read waits up to 10 s, then `RESOURCE_EXHAUSTED` (`LIMIT_EXCEEDED`, limit `max_restore_bytes`); a world larger than it alone is refused the same way. The default is 4× the largest request (`PERSISTD_MAX_MESSAGE_BYTES`), so any world a save can carry restores alone', parse: integer(1024) }),
  restoreStallTimeout: def({ env: 'PERSISTD_RESTORE_STALL_TIMEOUT', default: '30000', doc: 'milliseconds a restore may go without its client taking a whole message (each at most about 1 MiB, so the default cuts off readers slower than about 35 KB/s); then the stream is reset (`RESOURCE_EXHAUSTED`, HTTP/2 `ENHANCE_YOUR_CALM`) and its memory freed', parse: integer(100, 3_600_000) }),
  maxRecordsPerSection: def({ env: 'PERSISTD_MAX_RECORDS_PER_SECTION', default: '250000', doc: 'records in one section (any repeated field); past it `LIMIT_EXCEEDED`, limit `max_records_per_section`', parse: integer(1) }),
  maxStringBytes: def({ env: 'PERSISTD_MAX_STRING_BYTES', default: '4096', doc: 'UTF-8 bytes of any one string or map key (ids are held to 128 characters by the field rules); limit `max_string_bytes`', parse: integer(128) }),
  maxMapEntries: def({ env: 'PERSISTD_MAX_MAP_ENTRIES', default: '1024', doc: 'entries of any one map (attributes, flags, objectives); limit `max_map_entries`', parse: integer(1) }),
  saveWorkers: def({ env: 'PERSISTD_SAVE_WORKERS', default: 'auto', doc: "threads that read, check and prepare saves off the event loop; `auto` = the machine's available parallelism; `0` = on the event loop", parse: threadCount }),
  saveWorkerRecycleMb: def({ env: 'PERSISTD_SAVE_WORKER_RECYCLE_MB', default: '128', doc: "a save worker thread whose V8 heap is past this many MiB after a job, and that then stays idle 90 s, is replaced by a fresh, warmed one: a thread's heap grows to some 300 MiB during large saves and is given back to the system only when the thread ends; `0` = never", parse: integer(0, 65_536) }),
  indexCacheBytes: def({ env: 'PERSISTD_INDEX_CACHE_BYTES', default: '268435456', doc: 'memory for the base-epoch indexes `SaveChanges` keeps (about 110 bytes a record — digests, references, claims, parents, chunk list: an L world of 250,000 records takes about 27 MiB, the 5 M records of 100 M worlds about 530 MiB), least recently used evicted; a world whose index is not held has it rebuilt from its whole base, read for that SaveChanges; epochs waiting for their background indexing hold copies of at most a quarter of it; `0` keeps and builds none: every SaveChanges then takes the full path (the whole base read and the result checked as a Save)', parse: integer(0) }),
  redisUsername: REDIS_SETTINGS.redisUsername,
  redisPassword: REDIS_SETTINGS.redisPassword,
  redisTls: REDIS_SETTINGS.redisTls,
  devRedis: def({ env: 'PERSISTD_DEV_REDIS', default: undefined, doc: '`true`: development only (`npm start` passes it): when `PERSISTD_REDIS_URL` and `PERSISTD_REDIS_CLUSTER` are left unset and nothing answers on `127.0.0.1:6379`, start a private `redis-server` from `PATH` (AOF `always`, `noeviction`, data in `.persistd/redis/` of the working directory) and stop it with the daemon; refused with `PERSISTD_DURABILITY=strict`', parse: bool }),
  durability: def({ env: 'PERSISTD_DURABILITY', default: 'warn', doc: '`warn` or `strict` (refuse to start unless AOF `always` and `noeviction` are readable and set and Redis is 6.0.9 or newer; with replicas, `WAIT 1` before answering a save)', parse: oneOf('warn', 'strict') }),
  replicaAckTimeout: def({ env: 'PERSISTD_REPLICA_ACK_TIMEOUT', default: '2000', doc: 'milliseconds a strict-mode save waits for a replica (`WAIT 1`); none: `COMMIT_OUTCOME_UNKNOWN`', parse: integer(1, 9000) }),
  shutdownGrace: def({ env: 'PERSISTD_SHUTDOWN_GRACE', default: '10', doc: 'seconds calls in flight get to finish after SIGTERM before they are cancelled', parse: integer(0, 3600) }),
  metricsListen: def({ env: 'PERSISTD_METRICS_LISTEN', default: '127.0.0.1:9464', doc: 'Prometheus `/metrics` over HTTP (host:port, no credentials: counts only, never world data); `off` disables', parse: pattern(/^(?:off|(?:\[[^\]]+\]|[^:[\]\s]+):\d{1,5})$/) }),
  logLevel: def({ env: 'PERSISTD_LOG_LEVEL', default: 'info', doc: 'pino level', parse: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent') }),
  logFormat: def({ env: 'PERSISTD_LOG_FORMAT', default: 'json', doc: '`json` (one object a line, one line per call) or `pretty` (readable lines for development; needs the `pino-pretty` package)', parse: oneOf('json', 'pretty') }),
} as const;

export type Settings = { [K in keyof typeof SETTINGS]: ReturnType<(typeof SETTINGS)[K]['parse']> };

/**
 * Reads every setting: a flag (`--name value` or `--name=value`) wins over its variable, which
 * wins over the default. Unknown flags are refused, so a typo never runs with a default.
 */
export function loadSettings(argv: readonly string[], env: NodeJS.ProcessEnv): Settings {
  const flags = new Map<string, string>();
  const known = new Map(Object.values(SETTINGS).map((d) => [flagOf(d.env), d]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (!known.has(name)) throw new ConfigError(`unknown flag ${name}`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new ConfigError(`flag ${name} needs a value`);
    flags.set(name, value);
  }
  const out: Record<string, unknown> = {};
  for (const [key, d] of Object.entries(SETTINGS) as [keyof typeof SETTINGS, SettingDef<unknown>][]) {
    const raw = flags.get(flagOf(d.env)) ?? env[d.env] ?? d.default;
    out[key] = d.parse(raw, flags.has(flagOf(d.env)) ? flagOf(d.env) : d.env);
  }
  return out as Settings;
}
