/** One event of the game server: a JSON line on stdout (bigints as strings), for people and tests. */
export type Log = (event: string, fields?: Record<string, unknown>) => void;

export const jsonLinesLog: Log = (event, fields = {}) => {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), event, ...fields }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}\n`);
};

export const silentLog: Log = () => undefined;
