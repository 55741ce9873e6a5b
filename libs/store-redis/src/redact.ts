/**
 * A Redis URL fit for a log line: the password of its userinfo and any secret-looking query
 * parameter replaced by `[redacted]`; the user name, host, port and db kept (they are what an
 * operator needs to see which Redis is meant). Text that is not a URL is redacted whole.
 */
export function redactRedisUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '[redacted]';
  }
  if (parsed.password !== '') parsed.password = 'redacted';
  for (const key of [...parsed.searchParams.keys()]) {
    if (/pass|secret|token|auth|key/i.test(key)) parsed.searchParams.set(key, 'redacted');
  }
  return parsed.toString().replace(/:redacted@/, ':[redacted]@').replace(/=redacted(&|$)/g, '=[redacted]$1');
}
