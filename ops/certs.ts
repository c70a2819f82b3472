/**
 * `tandem certs`: a small CA for a test bed or a small deployment, with openssl (Debian's): the CA,
 * then certificates for CAM nodes (tandem://cam/<id>, server and client use, the addresses LAMs and
 * the peer dial), LAMs (tandem://lam/<component>), operators (tandem://operator/<name>) and the
 * Galera witness (tandem://witness/<name>, garbd's TLS on the group link), EC P-256
 * keys written 0600. `openssl ca` keeps an index of what was issued. A larger operator uses its own
 * PKI: Tandem only needs the identities as URI subject alternative names.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type IdentityKind, identityUri } from '../kernel/tls/identity.js';

export interface IssueOptions {
  kind: IdentityKind;
  name: string;
  /** IP addresses and DNS names the certificate is valid for (a CAM: its address and the logical IP). */
  ips?: string[];
  dns?: string[];
  days?: number;
  /** For tests: an explicit validity window, openssl's YYYYMMDDHHMMSSZ. */
  notBefore?: string;
  notAfter?: string;
}

export interface Issued {
  certFile: string;
  keyFile: string;
}

function openssl(args: string[], cwd?: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { code?: string; stderr?: Buffer };
    if (e.code === 'ENOENT') throw new Error('openssl is not installed (Debian package openssl)');
    throw new Error(`openssl ${args[0]} failed: ${e.stderr?.toString().trim() ?? String(err)}`);
  }
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** Creates a CA in `dir` (ca.crt, ca.key, and openssl ca's bookkeeping). Refuses to overwrite one. */
export function createCa(dir: string, o: { name?: string; days?: number } = {}): { caFile: string } {
  const caFile = join(dir, 'ca.crt');
  if (existsSync(caFile)) throw new Error(`${caFile} exists: a CA is never overwritten`);
  mkdirSync(join(dir, 'issued'), { recursive: true });
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), `${Date.now().toString(16).padStart(16, '0')}\n`);
  writeFileSync(
    join(dir, 'ca.cnf'),
    `[ ca ]
default_ca = tandem
[ tandem ]
dir = ${dir}
database = $dir/index.txt
new_certs_dir = $dir/issued
certificate = $dir/ca.crt
private_key = $dir/ca.key
serial = $dir/serial
default_md = sha256
policy = any_name
unique_subject = no
copy_extensions = none
[ any_name ]
commonName = supplied
`,
  );
  openssl([
    'req',
    '-x509',
    '-new',
    ...EC_KEY,
    '-keyout',
    join(dir, 'ca.key'),
    '-out',
    caFile,
    '-days',
    String(o.days ?? 3650),
    '-subj',
    `/CN=${o.name ?? 'Tandem CA'}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  chmodSync(join(dir, 'ca.key'), 0o600);
  return { caFile };
}

/** Issues `<out>/<name>.crt` and `<name>.key` signed by the CA in `caDir`. */
export function issueCertificate(caDir: string, out: string, o: IssueOptions): Issued {
  mkdirSync(out, { recursive: true });
  const base = join(out, o.name);
  const san = [
    `URI:${identityUri(o.kind, o.name)}`,
    ...(o.ips ?? []).map((ip) => `IP:${ip}`),
    ...(o.dns ?? []).map((d) => `DNS:${d}`),
  ].join(',');
  // Galera's group links are TLS both ways: CAM nodes (their members) and the witness serve and dial.
  const usage = o.kind === 'cam' || o.kind === 'witness' ? 'serverAuth,clientAuth' : 'clientAuth';
  writeFileSync(
    `${base}.ext`,
    `[ leaf ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = ${usage}
subjectAltName = ${san}
`,
  );
  openssl([
    'req',
    '-new',
    ...EC_KEY,
    '-keyout',
    `${base}.key`,
    '-out',
    `${base}.csr`,
    '-subj',
    // No spaces: rsync SST over stunnel passes the CN on as a user name ("Bad remote auth string").
    `/CN=${o.kind}.${o.name}`,
  ]);
  chmodSync(`${base}.key`, 0o600);
  const validity =
    o.notBefore && o.notAfter
      ? ['-startdate', o.notBefore, '-enddate', o.notAfter]
      : ['-days', String(o.days ?? 825)];
  openssl([
    'ca',
    '-batch',
    '-notext',
    '-config',
    join(caDir, 'ca.cnf'),
    '-extfile',
    `${base}.ext`,
    '-extensions',
    'leaf',
    '-in',
    `${base}.csr`,
    '-out',
    `${base}.crt`,
    ...validity,
  ]);
  return { certFile: `${base}.crt`, keyFile: `${base}.key` };
}
