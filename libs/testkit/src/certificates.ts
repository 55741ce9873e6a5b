import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Certificates made at test time with `openssl` (P-256 keys, valid for a day): a CA per test
 * run and leaf certificates with the SAN URIs, SAN DNS names, IPs and CN a test needs. Nothing is
 * committed, nothing outlives the test's directory.
 */
export interface CertFiles {
  certFile: string;
  keyFile: string;
  cert: Buffer;
  key: Buffer;
}

export interface TestCa extends CertFiles {
  name: string;
  /** Issues a leaf certificate signed by this CA. */
  issue(name: string, subject: LeafSubject): CertFiles;
}

export interface LeafSubject {
  cn?: string;
  uris?: string[];
  dns?: string[];
  ips?: string[];
  /** Extended key usages; default both, so one leaf serves a server or a client. */
  usage?: ('serverAuth' | 'clientAuth')[];
}

/** A directory of certificates; `remove` deletes it. */
export interface CertDir {
  dir: string;
  ca(name: string): TestCa;
  remove(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

const files = (dir: string, name: string): CertFiles => {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  return { certFile, keyFile, cert: readFileSync(certFile), key: readFileSync(keyFile) };
};

/** A fresh temporary directory for certificates. */
export function certificateDir(): CertDir {
  const dir = mkdtempSync(join(tmpdir(), 'persistd-certs-'));
  return {
    dir,
    ca: (name) => makeCa(dir, name),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function makeCa(dir: string, name: string): TestCa {
  openssl(
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '1', '-subj', `/CN=${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    dir,
  );
  const ca = files(dir, name);
  return {
    ...ca,
    name,
    issue(leaf, subject) {
      const sans = [...(subject.uris ?? []).map((u) => `URI:${u}`), ...(subject.dns ?? []).map((d) => `DNS:${d}`), ...(subject.ips ?? []).map((i) => `IP:${i}`)];
      const ext = [
        'basicConstraints=CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        `extendedKeyUsage=${(subject.usage ?? ['serverAuth', 'clientAuth']).join(',')}`,
        ...(sans.length > 0 ? [`subjectAltName=${sans.join(',')}`] : []),
      ];
      writeFileSync(join(dir, `${leaf}.ext`), ext.join('\n') + '\n');
      openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${leaf}.key`, '-out', `${leaf}.csr`, '-subj', subject.cn ? `/CN=${subject.cn}` : '/O=persistd-test'], dir);
      openssl(['x509', '-req', '-in', `${leaf}.csr`, '-CA', `${name}.crt`, '-CAkey', `${name}.key`, '-CAcreateserial', '-out', `${leaf}.crt`, '-days', '1', '-extfile', `${leaf}.ext`], dir);
      return files(dir, leaf);
    },
  };
}
