import { spawn } from 'node:child_process';
import { exited } from '@persistd/testkit';

/** What `redis-cli --latency` saw: PING round trips in ms (integer min/max, as redis-cli reports them). */
export interface RedisLatency {
  minMs: number;
  maxMs: number;
  avgMs: number;
  samples: number;
}

/**
 * Runs `redis-cli --latency` against the benchmark's Redis for as long as `body` runs (an L save,
 * to show that its commit never stalls other clients) and returns what it printed on exit.
 * Undefined when redis-cli is not installed.
 */
export async function withRedisLatency<T>(redisUrl: string, body: () => Promise<T>): Promise<{ value: T; latency?: RedisLatency }> {
  const child = spawn('redis-cli', ['-u', redisUrl, '--latency'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  let failed = false;
  child.on('error', () => (failed = true));
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (s: string) => (out += s));
  let value: T;
  try {
    value = await body();
  } finally {
    if (!failed) {
      child.kill('SIGINT');
      await exited(child);
    }
  }
  // Its last line, on exit: "min max avg samples".
  const m = /(\d+) (\d+) ([\d.]+) (\d+)\s*$/.exec(out.trim());
  return { value, latency: m ? { minMs: Number(m[1]), maxMs: Number(m[2]), avgMs: Number(m[3]), samples: Number(m[4]) } : undefined };
}
