import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/settings';

/**
 * The bearer tokens of PERSISTD_TOKENS_FILE (DESIGN §3). Only SHA-256 hashes are kept, and a
 * presented token is compared with every one of them in constant time: how long a lookup takes
 * says nothing about how much of a token matched, nor which entry it was. No token ever reaches
 * a log line or an error message.
 */
export interface TokenTable {
  /** The principal a presented token names, or undefined. */
  principalOf(token: string): string | undefined;
  /** Principals in the file, for the start-up log line. */
  readonly principals: readonly string[];
}

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest();

/**
 * Parses the file's text: one `principal:token` a line, split on the LAST `:` (a principal such as
 * `spiffe://caelmor/gs1` holds colons, a token none). Blank lines and lines starting with `#` are
 * skipped. Errors name the line number, never its content.
 */
export function parseTokens(text: string, source = 'PERSISTD_TOKENS_FILE'): TokenTable {
  const entries: { principal: string; hash: Buffer }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const colon = line.lastIndexOf(':');
    const principal = colon < 0 ? '' : line.slice(0, colon).trim();
    const token = colon < 0 ? '' : line.slice(colon + 1).trim();
    if (principal === '' || token === '') throw new ConfigError(`${source} line ${i + 1} is not principal:token`);
    const hash = digest(token);
    if (entries.some((e) => timingSafeEqual(e.hash, hash))) throw new ConfigError(`${source} line ${i + 1} repeats a token of an earlier line`);
    entries.push({ principal, hash });
  });
  if (entries.length === 0) throw new ConfigError(`${source} holds no tokens`);
  return {
    principals: [...new Set(entries.map((e) => e.principal))],
    principalOf(token: string) {
      const hash = digest(token);
      let found: string | undefined;
      for (const e of entries) {
        // No early exit: every entry is compared, whatever matched.
        if (timingSafeEqual(e.hash, hash) && found === undefined) found = e.principal;
      }
      return found;
    },
  };
}

/** Reads and parses the tokens file; an unreadable file is a ConfigError. */
export function loadTokens(path: string): TokenTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`PERSISTD_TOKENS_FILE ${path} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseTokens(text, `PERSISTD_TOKENS_FILE ${path}`);
}

/**
 * The token of an `authorization: Bearer <token>` header, or a reason there is none. The scheme
 * is case-insensitive (RFC 6750); more than one authorization header is refused as ambiguous.
 */
export function bearerOf(values: readonly unknown[]): { token: string } | { missing: string } {
  if (values.length === 0) return { missing: 'no authorization metadata (expected "authorization: Bearer <token>")' };
  if (values.length > 1) return { missing: 'more than one authorization metadata value' };
  const m = /^Bearer +(\S+) *$/i.exec(typeof values[0] === 'string' ? values[0] : '');
  if (!m) return { missing: 'authorization metadata is not "Bearer <token>"' };
  return { token: m[1]! };
}
