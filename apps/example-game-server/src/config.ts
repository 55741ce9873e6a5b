/** The example game server's settings, from environment variables (all optional). */
export interface ExampleConfig {
  /** PERSISTD_ADDRESS: where persistd listens. */
  address: string;
  /** PERSISTD_TOKEN: bearer token, when the daemon requires one. */
  token: string | undefined;
  /** EXAMPLE_WORLD_ID */
  worldId: string;
  /** EXAMPLE_CONTENT_VERSION: the content a fresh world is built from. */
  contentVersion: string;
  /** EXAMPLE_TICK_MS */
  tickMs: number;
  /** EXAMPLE_SAVE_MS */
  saveMs: number;
}

function ms(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new Error(`${name} must be a positive number of milliseconds, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

export function loadConfig(env: NodeJS.ProcessEnv): ExampleConfig {
  return {
    address: env.PERSISTD_ADDRESS || '127.0.0.1:50051',
    token: env.PERSISTD_TOKEN || undefined,
    worldId: env.EXAMPLE_WORLD_ID || 'example-world',
    contentVersion: env.EXAMPLE_CONTENT_VERSION || 'example-content-1',
    tickMs: ms(env, 'EXAMPLE_TICK_MS', 100),
    saveMs: ms(env, 'EXAMPLE_SAVE_MS', 5000),
  };
}
