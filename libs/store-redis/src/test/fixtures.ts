/**
 * Test-only helpers for this lib's specs (not exported from index.ts): fabricated chunks, a
 * sealMeta that builds a real EpochMeta, and a harness that gives each test its own key prefix
 * on the shared test Redis and removes it afterwards.
 */
import { createHash, randomBytes } from 'node:crypto';
import { create, toBinary } from '@bufbuild/protobuf';
import { EpochMetaSchema, OwnerSystem } from '@persistd/contract';
import { deletePrefix, keysUnder, testRedis, TEST_REDIS_URL, uniquePrefix } from '@persistd/testkit';
import type Redis from 'ioredis';
import type { Chunk, CommitInput } from '../commit';
import type { StoreSettings } from '../settings';
import type { RedisConnectionConfig } from '../connections';
import { RedisStore } from '../redis-store';

export const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

/** A chunk of random bytes with its real id. */
export function randomChunk(size = 256): Chunk {
  const bytes = new Uint8Array(randomBytes(size));
  return { id: sha256(bytes), bytes };
}

export const SYSTEMS = [OwnerSystem.PLAYER, OwnerSystem.WORLD, OwnerSystem.NPC, OwnerSystem.ITEM, OwnerSystem.QUEST];

/** Chunks spread over the five sections (round robin), with a content digest over their ids. */
export interface Content {
  chunks: Chunk[];
  sections: string[][];
  contentDigest: string;
}

export function contentOf(chunks: Chunk[]): Content {
  const sections: string[][] = SYSTEMS.map(() => []);
  chunks.forEach((c, i) => sections[i % SYSTEMS.length]!.push(c.id));
  return { chunks, sections, contentDigest: sha256(`c1|${sections.map((s) => s.join(',')).join('|')}`) };
}

/** Fresh content of `n` random chunks. */
export function randomContent(n = 5, size = 256): Content {
  return contentOf(Array.from({ length: n }, () => randomChunk(size)));
}

/** What a sealMeta produced, per epoch asked. */
export interface Sealed {
  bytes: Uint8Array;
  digest: string;
}

/** A CommitInput whose sealMeta builds a real EpochMeta; `sealed` records what it returned. */
export function commitInput(
  worldId: string,
  content: Content,
  opts: { expectedEpoch: bigint; requestId?: string; storedBytes?: bigint } & Partial<Omit<CommitInput, 'sealMeta'>>,
): CommitInput & { sealed: Map<bigint, Sealed> } {
  const sealed = new Map<bigint, Sealed>();
  const { storedBytes, ...input } = opts;
  const requestId = opts.requestId ?? `r-${randomBytes(6).toString('hex')}`;
  return {
    worldId,
    requestId,
    contentDigest: content.contentDigest,
    chunks: content.chunks,
    ...input,
    sealed,
    sealMeta(epoch: bigint) {
      const meta = create(EpochMetaSchema, {
        worldId,
        epoch,
        schemaVersion: 1,
        contentVersion: 'c1',
        contentDigest: content.contentDigest,
        sections: SYSTEMS.map((system, i) => ({ system, chunkIds: content.sections[i] })),
        requestId,
        principal: 'test',
        committedAtMs: 1_700_000_000_000n,
        storedBytes,
      });
      // As the daemon seals: the digest over the meta without it, then stored inside it.
      meta.digest = sha256(toBinary(EpochMetaSchema, meta));
      const out = { bytes: toBinary(EpochMetaSchema, meta), digest: meta.digest };
      sealed.set(epoch, out);
      return out;
    },
  };
}

export const DEFAULT_SETTINGS: Omit<StoreSettings, 'prefix'> = { retention: 3, requestTtlSeconds: 3600, stageTtlSeconds: 600 };

/** One test's world of Redis: a unique prefix, a raw connection to look with, stores to clean up. */
export class Harness {
  readonly prefix = uniquePrefix('sr');
  readonly redis: Redis = testRedis();
  private readonly stores: RedisStore[] = [];

  store(settings: Partial<StoreSettings> = {}, redis: Partial<RedisConnectionConfig> = {}): RedisStore {
    const store = new RedisStore({
      redis: { url: TEST_REDIS_URL, ...redis },
      settings: { prefix: this.prefix, ...DEFAULT_SETTINGS, ...settings },
    });
    this.stores.push(store);
    return store;
  }

  settings(overrides: Partial<StoreSettings> = {}): StoreSettings {
    return { prefix: this.prefix, ...DEFAULT_SETTINGS, ...overrides };
  }

  keys(): Promise<string[]> {
    return keysUnder(this.redis, this.prefix);
  }

  /** Every key under the prefix with its value (hex) and whether it has a TTL. */
  async dump(): Promise<Map<string, { value: string; ttl: boolean }>> {
    const out = new Map<string, { value: string; ttl: boolean }>();
    for (const key of await this.keys()) {
      const value = await this.redis.getBuffer(key);
      out.set(key, { value: value?.toString('hex') ?? '', ttl: (await this.redis.ttl(key)) >= 0 });
    }
    return out;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.stores.map((s) => s.close()));
    await deletePrefix(this.redis, this.prefix);
    this.redis.disconnect();
  }
}

