import { worldKeys } from '@persistd/store-redis';
import type Redis from 'ioredis';

/**
 * Every key of one world (its hash tag: pointer, metas, chunks, request records) with its value's
 * size: STRLEN, the bytes Redis keeps for the value (and appends to the AOF and ships to
 * replicas); MEMORY USAGE for a key that is not a string.
 */
export async function worldKeyBytes(redis: Redis, prefix: string, worldId: string): Promise<Map<string, number>> {
  const pattern = worldKeys(prefix, worldId).epoch.replace(/epoch$/, '*');
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    found.push(...batch);
  } while (cursor !== '0');
  const p = redis.pipeline();
  for (const k of found) p.strlen(k);
  const sizes = (await p.exec()) ?? [];
  const out = new Map<string, number>();
  for (let i = 0; i < found.length; i++) {
    const [err, n] = sizes[i];
    out.set(found[i], err ? Number((await redis.call('MEMORY', 'USAGE', found[i])) ?? 0) : Number(n));
  }
  return out;
}

/** Bytes of the keys present after and absent before: what one save wrote anew. */
export function newKeyBytes(before: Map<string, number>, after: Map<string, number>): number {
  let bytes = 0;
  for (const [k, n] of after) if (!before.has(k)) bytes += n;
  return bytes;
}
