/**
 * The two Lua scripts of the commit (commit.ts), and why there are scripts at all.
 *
 * DESIGN §5 has step 2 WATCH every new chunk and check it EXISTS, and step 3 PERSIST it in the
 * MULTI. That is exact, but Redis's WATCH is quadratic in the keys one connection watches: its
 * `watchForKey` (multi.c) walks the connection's whole list of watched keys for each key added,
 * to skip one already watched. Measured on this project's machine (Redis 7.0.15): WATCH and
 * EXISTS of the ~15,400 new chunks of an L world's first stored-form-2 save took 0.9–1.3 s of
 * Redis CPU, a quarter of the whole save, while staging and persisting them took 0.1–0.3 s.
 * One command per small chunk also costs the event loop: ~46,000 commands built and parsed.
 *
 * So the check moves into the transaction: step 3's EXEC runs one script that first checks every
 * new chunk exists and only then writes — PERSIST the chunks, SET the meta, the pointer and the
 * request record, DEL what retention drops. A chunk gone (expired, evicted, deleted) makes the
 * script write nothing and answer `chunk-missing`, and the attempt starts again from staging,
 * exactly as a nil EXEC after a touched watched chunk did. The check and the writes are one
 * atomic step, so no chunk can vanish between them — no window at all, where the WATCH closed it
 * by aborting. The pointer is still WATCHed: a concurrent commit is still a nil EXEC.
 *
 * A script writes nothing before its first write command, and Redis refuses a script's first
 * write under OOM without running it, so a refused script leaves no partial commit. Scripts run
 * on the master of the world's slot: every key carries the world's hash tag.
 *
 * Staging sends many chunks per script for the event loop's sake (one command per batch, not
 * per chunk); each chunk is still `SET NX EX`, an existing one left as it is.
 */

/** KEYS: chunk keys; ARGV: [stage TTL seconds, bytes of KEYS[1], bytes of KEYS[2], …]. Returns how many were new. */
export const STAGE_CHUNKS = `local n = 0
for i = 1, #KEYS do
  if redis.call('SET', KEYS[i], ARGV[i + 1], 'NX', 'EX', ARGV[1]) then n = n + 1 end
end
return n`;

/**
 * KEYS: the new chunk keys (ARGV[1] of them), then meta:<N+1>, the pointer, the request record,
 * then the keys to delete. ARGV: [new chunk count, meta bytes, pointer value, request record,
 * request TTL seconds]. Returns 'committed'; or, having written nothing, {'chunk-missing', <key>}
 * or {'refused', <Redis's error>} — the first write refused (an ACL without the command, a
 * master demoted to a read-only replica): Redis refuses a script's writes as it would the
 * commands, and only the first one can be refused before anything is written, so it is the one
 * made with pcall.
 */
export const COMMIT_EPOCH = `local fresh = tonumber(ARGV[1])
for i = 1, fresh do
  if redis.call('EXISTS', KEYS[i]) == 0 then return {'chunk-missing', KEYS[i]} end
end
local first
if fresh > 0 then first = redis.pcall('PERSIST', KEYS[1]) else first = redis.pcall('SET', KEYS[1], ARGV[2]) end
if type(first) == 'table' and first.err then return {'refused', first.err} end
for i = 2, fresh do redis.call('PERSIST', KEYS[i]) end
if fresh > 0 then redis.call('SET', KEYS[fresh + 1], ARGV[2]) end
redis.call('SET', KEYS[fresh + 2], ARGV[3])
redis.call('SET', KEYS[fresh + 3], ARGV[4], 'EX', ARGV[5])
for i = fresh + 4, #KEYS do redis.call('DEL', KEYS[i]) end
return 'committed'`;

/** What the commit script answered. */
export type CommitScriptReply = { kind: 'committed' } | { kind: 'chunk-missing'; key: string } | { kind: 'refused'; error: string };

export function commitScriptReply(reply: unknown): CommitScriptReply {
  if (reply === 'committed') return { kind: 'committed' };
  if (Array.isArray(reply) && String(reply[0]) === 'chunk-missing') return { kind: 'chunk-missing', key: String(reply[1]) };
  if (Array.isArray(reply) && String(reply[0]) === 'refused') return { kind: 'refused', error: String(reply[1]) };
  throw new Error(`store-redis: the commit script answered ${JSON.stringify(reply)}`);
}
