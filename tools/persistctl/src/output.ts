import type { OptionDef } from './args';
import type { CliIo } from './io';

/** `--json`: one JSON document on stdout instead of lines for people. */
export const JSON_OPTION: OptionDef = { name: 'json', type: 'boolean', doc: 'print one JSON document instead of text' };

/** Prints JSON; epochs and other bigints as decimal strings (JSON numbers lose precision past 2^53). */
export function printJson(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
}

/** Prints aligned `label  value` lines. */
export function printTable(io: CliIo, rows: [string, string][]): void {
  const width = Math.max(...rows.map(([l]) => l.length));
  io.stdout(rows.map(([l, v]) => `${l.padEnd(width)}  ${v}`).join('\n') + '\n');
}
