import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { certificateDir } from './certificates';

describe('test certificates', () => {
  it('issues leaves with the asked SANs and CN, signed by their CA only', () => {
    const dir = certificateDir();
    try {
      const ca = dir.ca('unit-ca');
      const other = dir.ca('other-ca');
      const leaf = ca.issue('leaf', { cn: 'gs1', uris: ['spiffe://caelmor/gs1'], dns: ['gs1.local'], ips: ['127.0.0.1'] });
      const x = new X509Certificate(leaf.cert);
      expect(x.subject).toBe('CN=gs1');
      expect(x.subjectAltName).toBe('URI:spiffe://caelmor/gs1, DNS:gs1.local, IP Address:127.0.0.1');
      expect(x.verify(new X509Certificate(ca.cert).publicKey)).toBe(true);
      expect(x.verify(new X509Certificate(other.cert).publicKey)).toBe(false);
      expect(new X509Certificate(ca.cert).ca).toBe(true);
      expect(x.ca).toBe(false);
    } finally {
      dir.remove();
    }
    expect(existsSync(dir.dir)).toBe(false);
  });
});
