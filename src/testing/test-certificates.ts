// Throwaway certificates for TLS tests, made with `openssl` in a temporary directory: a CA, a
// server certificate for 127.0.0.1 (an IP SAN; also good for client auth, since etcd's gateway
// dials its own listener with it), a client certificate, and a second CA that signed none of them.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EtcdTls } from './etcd-server.js';

export const OPENSSL_BIN = '/usr/bin/openssl';

/** Each openssl call signs or makes a key in milliseconds; a loaded machine may take seconds. */
const OPENSSL_WITHIN_MS = 20_000;

/** Whether TLS tests can run: like etcdForTests, missing openssl skips them outside CI and fails them in CI. */
export function opensslForTests(): { run: boolean; failInstead: boolean } {
  try {
    accessSync(OPENSSL_BIN, constants.X_OK);
    return { run: true, failInstead: false };
  } catch {
    if (process.env['CI'] !== undefined && process.env['CI'] !== '') return { run: false, failInstead: true };
    console.warn(`notice: ${OPENSSL_BIN} is missing: the TLS tests against a real etcd are skipped (apt-get install openssl)`);
    return { run: false, failInstead: false };
  }
}

export interface TestCertificates extends EtcdTls {
  /** A CA that signed nothing here: trusting only it must fail. */
  otherCa: string;
  /** Removes the directory and every key in it. */
  remove(): void;
}

function openssl(directory: string, args: string[]): void {
  execFileSync(OPENSSL_BIN, args, { cwd: directory, stdio: ['ignore', 'ignore', 'pipe'], timeout: OPENSSL_WITHIN_MS });
}

/** A P-256 key and a certificate request for `subject`. */
function request(directory: string, name: string, subject: string): void {
  openssl(directory, ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
}

function selfSigned(directory: string, name: string): void {
  openssl(directory, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '1', '-subj', `/CN=hastmon test ${name}`]);
}

function sign(directory: string, name: string, extensions: string): void {
  writeFileSync(join(directory, `${name}.ext`), extensions);
  openssl(directory, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', '-extfile', `${name}.ext`]);
}

export function makeCertificates(): TestCertificates {
  const directory = mkdtempSync(join(tmpdir(), 'hastmon-tls-'));
  try {
    selfSigned(directory, 'ca');
    selfSigned(directory, 'other-ca');
    request(directory, 'server', '/CN=127.0.0.1');
    sign(directory, 'server', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n');
    request(directory, 'client', '/CN=hastmon');
    sign(directory, 'client', 'extendedKeyUsage=clientAuth\n');
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
  const path = (file: string): string => join(directory, file);
  return {
    ca: path('ca.pem'),
    cert: path('server.pem'),
    key: path('server.key'),
    clientCert: path('client.pem'),
    clientKey: path('client.key'),
    otherCa: path('other-ca.pem'),
    remove: () => rmSync(directory, { recursive: true, force: true }),
  };
}
