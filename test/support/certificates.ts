import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Test fixtures made with the openssl command: a CA, a leaf certificate for a key, and others. */
export interface CertificateFixtures {
  leafKeyPem: string;
  /** Leaf certificate for `leafKeyPem`, then the CA that issued it. */
  chainPem: string;
  /** A certificate for another key. */
  otherLeafPem: string;
  /** A leaf for `leafKeyPem` followed by a CA that did not issue it. */
  wrongIssuerChainPem: string;
  rsa1024KeyPem: string;
  p384KeyPem: string;
}

export function makeCertificates(kind: 'rsa' | 'ec' = 'rsa'): CertificateFixtures {
  const dir = mkdtempSync(join(tmpdir(), 'op-certs-'));
  const f = (name: string) => join(dir, name);
  const ssl = (...args: string[]) =>
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const newKey = (name: string, algo: string[]) => ssl('genpkey', ...algo, '-out', f(name));
  const keyAlgo =
    kind === 'rsa'
      ? ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']
      : ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  try {
    newKey('ca.key', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']);
    newKey('ca2.key', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']);
    newKey('leaf.key', keyAlgo);
    newKey('other.key', keyAlgo);
    newKey('rsa1024.key', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024']);
    newKey('p384.key', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384']);
    writeFileSync(
      f('ca.ext'),
      'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n',
    );
    writeFileSync(
      f('leaf.ext'),
      'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n',
    );
    for (const ca of ['ca', 'ca2']) {
      ssl(
        'req',
        '-x509',
        '-new',
        '-key',
        f(`${ca}.key`),
        '-out',
        f(`${ca}.pem`),
        '-days',
        '30',
        '-subj',
        `/CN=Test ${ca}`,
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign',
      );
    }
    const issue = (key: string, out: string, days: string[]) => {
      ssl('req', '-new', '-key', f(key), '-out', f(`${out}.csr`), '-subj', `/CN=${out}`);
      ssl(
        'x509',
        '-req',
        '-in',
        f(`${out}.csr`),
        '-CA',
        f('ca.pem'),
        '-CAkey',
        f('ca.key'),
        '-CAcreateserial',
        '-out',
        f(`${out}.pem`),
        '-extfile',
        f('leaf.ext'),
        ...days,
      );
    };
    issue('leaf.key', 'leaf', ['-days', '30']);
    issue('other.key', 'other', ['-days', '30']);
    const read = (name: string) => readFileSync(f(name), 'utf8');
    return {
      leafKeyPem: read('leaf.key'),
      chainPem: read('leaf.pem') + read('ca.pem'),
      otherLeafPem: read('other.pem'),
      wrongIssuerChainPem: read('leaf.pem') + read('ca2.pem'),
      rsa1024KeyPem: read('rsa1024.key'),
      p384KeyPem: read('p384.key'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
