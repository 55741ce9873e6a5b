import Redis from 'ioredis';

/** The `redis_version` a server reports, asked directly: what a test expects the daemon to have read. */
export async function reportedRedisVersion(url: string): Promise<string> {
  const conn = new Redis(url);
  try {
    const version = /^redis_version:(\S+)/m.exec(String(await conn.call('INFO', 'server')))?.[1];
    if (!version) throw new Error(`${url} reports no redis_version`);
    return version;
  } finally {
    conn.disconnect();
  }
}
