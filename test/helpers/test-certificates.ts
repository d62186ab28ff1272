import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A provider's webhook-signing certificate for a local provider server, and a forger's key, made with openssl in
 * a temporary folder that is gone when this returns. With `rootSubject` the signing certificate is issued by a
 * root CA made alongside (tpay's JWS chain); without it, it is self-signed (PayPal's message-verification
 * certificate). Validity is fixed to 2020–2040 so tests on any manual-clock or sandbox date find it valid.
 */
export function makeSigningCertificate(input: { signingSubject: string; rootSubject?: string }): {
  rootCert: string | null;
  signingCert: string;
  signingKey: string;
  rogueKey: string;
} {
  const dir = mkdtempSync(join(tmpdir(), 'klz-pki-'));
  try {
    const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    const newKey = (name: string) =>
      run('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', name);
    if (input.rootSubject)
      run(
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        'root.key',
        '-out',
        'root.pem',
        '-days',
        '3650',
        '-subj',
        input.rootSubject,
      );
    newKey('sign.key');
    run('req', '-new', '-key', 'sign.key', '-out', 'sign.csr', '-subj', input.signingSubject);
    writeFileSync(
      join(dir, 'ca.cnf'),
      [
        '[ca]',
        'default_ca = test',
        '[test]',
        'dir = .',
        'database = index.txt',
        'new_certs_dir = .',
        'serial = serial',
        'default_md = sha256',
        'policy = any',
        '[any]',
        'commonName = supplied',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(join(dir, 'serial'), '01\n');
    const issuer = input.rootSubject
      ? ['-cert', 'root.pem', '-keyfile', 'root.key']
      : ['-selfsign', '-keyfile', 'sign.key'];
    run(
      'ca',
      '-batch',
      '-config',
      'ca.cnf',
      ...issuer,
      '-in',
      'sign.csr',
      '-out',
      'sign.pem',
      '-notext',
      '-startdate',
      '20200101000000Z',
      '-enddate',
      '20400101000000Z',
    );
    newKey('rogue.key');
    const read = (name: string) => readFileSync(join(dir, name), 'utf8');
    return {
      rootCert: input.rootSubject ? read('root.pem') : null,
      signingCert: read('sign.pem'),
      signingKey: read('sign.key'),
      rogueKey: read('rogue.key'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
