/**
 * The shape of one setting of persistd (DESIGN §6) and the parsers settings are read with. It
 * lives here, beside the Redis settings, so the daemon and the operator CLI read the settings
 * they share from one definition.
 */
export interface SettingDef<T> {
  /** Environment variable; the flag is derived from it (PERSISTD_KEY_PREFIX -> --key-prefix). */
  env: string;
  default: string | undefined;
  doc: string;
  /** Never printed, never logged. */
  secret?: boolean;
  parse(raw: string | undefined, name: string): T;
}

/** A bad setting: the daemon refuses to start (the CLI refuses to run) and says which and why. */
export class ConfigError extends Error {}

export const def = <T>(d: SettingDef<T>) => d;

export const text = (raw: string | undefined) => raw ?? '';
export const optional = (raw: string | undefined) => (raw === undefined || raw === '' ? undefined : raw);
export const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (raw: string | undefined, name: string): number => {
    const n = Number(raw);
    if (!/^\d+$/.test(raw ?? '') || n < min || n > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    return n;
  };
export const oneOf =
  <T extends string>(...values: T[]) =>
  (raw: string | undefined, name: string): T => {
    if (!values.includes(raw as T)) throw new ConfigError(`${name} must be one of ${values.join(', ')}, got ${JSON.stringify(raw)}`);
    return raw as T;
  };
export const pattern =
  (re: RegExp) =>
  (raw: string | undefined, name: string): string => {
    if (!re.test(raw ?? '')) throw new ConfigError(`${name} must match ${re.source}, got ${JSON.stringify(raw)}`);
    return raw!;
  };

export const bool = (raw: string | undefined, name: string): boolean => {
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(raw)}`);
};

/** A comma list of `host:port` (`[v6]:port`); unset or empty = undefined. */
export const hostPorts = (raw: string | undefined, name: string): readonly string[] | undefined => {
  if (raw === undefined || raw.trim() === '') return undefined;
  const items = raw.split(',').map((s) => s.trim());
  for (const item of items) {
    const port = Number(/:(\d{1,5})$/.exec(item)?.[1]);
    if (!/^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(item) || !(port >= 1 && port <= 65535)) throw new ConfigError(`${name} must be a comma list of host:port, got ${JSON.stringify(item)}`);
  }
  return items;
};

/** `PERSISTD_KEY_PREFIX` -> `--key-prefix`. */
export function flagOf(env: string): string {
  return '--' + env.replace(/^PERSISTD_/, '').toLowerCase().replace(/_/g, '-');
}
