import type { PersistdClient } from '@persistd/client';
import type { RedisStore } from '@persistd/store-redis';
import type { ParsedArgs } from './args';
import { connect } from './connection';
import { openStore } from './redis-options';

/** Runs `body` with a client of the connection options, and closes it however `body` ends. */
export async function withClient<T>(args: ParsedArgs, body: (client: PersistdClient) => Promise<T>): Promise<T> {
  const client = connect(args);
  try {
    return await body(client);
  } finally {
    client.close();
  }
}

/** Runs `body` with a read-only store of the Redis options, and closes it however `body` ends. */
export async function withStore<T>(args: ParsedArgs, body: (store: RedisStore) => Promise<T>): Promise<T> {
  const store = openStore(args);
  try {
    return await body(store);
  } finally {
    await store.close();
  }
}
