import type { PeerCertificate } from 'node:tls';

/**
 * The names a verified client certificate can be allowlisted by (DESIGN §3), most specific first:
 * SAN URIs (SPIFFE ids), then SAN DNS names, then the subject CN.
 */
export function identitiesOf(cert: Pick<PeerCertificate, 'subject' | 'subjectaltname'>): string[] {
  const sans = parseSubjectAltName(cert.subjectaltname ?? '');
  const cn = cert.subject?.CN;
  const cns = cn === undefined ? [] : Array.isArray(cn) ? cn : [cn];
  return [
    ...sans.filter((s) => s.type === 'URI').map((s) => s.value),
    ...sans.filter((s) => s.type === 'DNS').map((s) => s.value),
    ...cns.filter((c): c is string => typeof c === 'string' && c !== ''),
  ];
}

/**
 * Node's `subjectaltname` string (`URI:spiffe://x, DNS:gs1.local, IP Address:10.0.0.1`) as
 * entries. Node writes a value holding a comma, quote or other special character as a JSON
 * string (`DNS:"a,b"`), so those are decoded rather than split.
 */
export function parseSubjectAltName(text: string): { type: string; value: string }[] {
  const out: { type: string; value: string }[] = [];
  const entry = /([A-Za-z][A-Za-z ]*):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/y;
  while (entry.lastIndex < text.length) {
    const start = entry.lastIndex;
    const m = entry.exec(text);
    if (!m || entry.lastIndex === start) break;
    let value = m[2]!;
    if (value.startsWith('"')) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        continue;
      }
    }
    out.push({ type: m[1]!, value });
  }
  return out;
}
