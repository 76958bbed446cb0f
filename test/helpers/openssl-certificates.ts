import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { TlsMaterial } from '../../server/tls/types.js';

/** A CA and a server certificate it issued, made with the openssl CLI (independent of Foxden's code). */
export interface OpensslCertificates {
  dir: string;
  caCertFile: string;
  certFile: string;
  keyFile: string;
  caPem: string;
  material: TlsMaterial;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * A throwaway CA (`ca.crt`) and a server certificate for 127.0.0.1 and localhost that it
 * signed (`<name>.crt`, `<name>.key`), in `dir`. `days` -1 gives a certificate that has
 * already expired; `ca` reuses an existing CA in `dir`.
 */
export function makeCertificates(
  dir: string,
  options: { name?: string; days?: number; commonName?: string; newCa?: boolean } = {},
): OpensslCertificates {
  const name = options.name ?? 'server';
  const caCertFile = path.join(dir, 'ca.crt');
  const curve = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  if (options.newCa !== false || !fs.existsSync(caCertFile)) {
    openssl(dir, [
      'req',
      '-x509',
      ...curve,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '30',
      '-subj',
      '/CN=Foxden test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
  }
  fs.writeFileSync(
    path.join(dir, `${name}.ext`),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n',
  );
  openssl(dir, [
    'req',
    ...curve,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    `/CN=${options.commonName ?? name}`,
  ]);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-set_serial',
    String(Date.now()),
    '-out',
    `${name}.crt`,
    '-days',
    String(options.days ?? 30),
    '-extfile',
    `${name}.ext`,
  ]);
  const certFile = path.join(dir, `${name}.crt`);
  const keyFile = path.join(dir, `${name}.key`);
  const caPem = fs.readFileSync(caCertFile, 'utf8');
  return {
    dir,
    caCertFile,
    certFile,
    keyFile,
    caPem,
    material: { cert: fs.readFileSync(certFile, 'utf8'), key: fs.readFileSync(keyFile, 'utf8') },
  };
}
