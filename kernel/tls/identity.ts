/**
 * Who is at the other end of a TLS connection, from its certificate: Tandem's identities are URI
 * subject alternative names `tandem://cam/<node id>`, `tandem://lam/<component name>` and
 * `tandem://operator/<name>` (and `tandem://witness/<name>` for garbd's Galera link). A certificate is accepted when one of the trusted CAs signed it, it is
 * valid now, its extended key usage allows the role, and it names the expected identity. The TLS
 * handshake has already proved the peer holds the certificate's key. Pure (node:crypto only).
 */
import { X509Certificate } from 'node:crypto';

/** `witness`: the garbd host (Galera's group link checks the CA, not the name). */
export type IdentityKind = 'cam' | 'lam' | 'operator' | 'witness';

export type CertificateProblem =
  | 'missing'
  | 'untrusted'
  | 'expired'
  | 'not-yet-valid'
  | 'wrong-usage'
  | 'wrong-identity';

export type Verdict =
  | { ok: true; identity: string }
  | { ok: false; problem: CertificateProblem; message: string };

const EKU = { client: '1.3.6.1.5.5.7.3.2', server: '1.3.6.1.5.5.7.3.1' } as const;

export function identityUri(kind: IdentityKind, name: string): string {
  return `tandem://${kind}/${name}`;
}

/** The Tandem identities a certificate names (URI SANs under tandem://). */
export function identitiesOf(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '')
    .split(/,\s*/)
    .filter((s) => s.startsWith('URI:tandem://'))
    .map((s) => s.slice(4));
}

/** Parses a PEM bundle into its certificates; throws naming the problem. */
export function parseCaBundle(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Error('holds no PEM certificate');
  return blocks.map((b) => new X509Certificate(b));
}

export interface Expectation {
  kind: IdentityKind;
  /** undefined: any name of that kind (the name is then read from the certificate). */
  name?: string;
  /** What the peer does in this connection: a LAM or an operator is a client, a CAM either. */
  usage: 'client' | 'server';
}

export function verifyCertificate(
  der: Buffer | undefined,
  cas: readonly X509Certificate[],
  expect: Expectation,
  now: Date,
): Verdict {
  if (!der || der.length === 0)
    return { ok: false, problem: 'missing', message: 'no client certificate was presented' };
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch (err) {
    return {
      ok: false,
      problem: 'untrusted',
      message: `the certificate cannot be read: ${(err as Error).message}`,
    };
  }
  const subject = cert.subject.replace(/\n/g, ', ');
  const issuer = cas.find((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey));
  if (!issuer)
    return {
      ok: false,
      problem: 'untrusted',
      message: `the certificate of ${subject} is not signed by a trusted CA (issuer: ${cert.issuer.replace(/\n/g, ', ')})`,
    };
  if (now.getTime() > Date.parse(cert.validTo))
    return {
      ok: false,
      problem: 'expired',
      message: `the certificate of ${subject} expired on ${cert.validTo}`,
    };
  if (now.getTime() < Date.parse(cert.validFrom))
    return {
      ok: false,
      problem: 'not-yet-valid',
      message: `the certificate of ${subject} is valid only from ${cert.validFrom}`,
    };
  return checkIdentity(cert, expect);
}

/** Usage and identity only: for a certificate whose chain and dates the TLS stack has verified. */
export function checkIdentity(cert: X509Certificate | Buffer, expect: Expectation): Verdict {
  const c = Buffer.isBuffer(cert) ? new X509Certificate(cert) : cert;
  const subject = c.subject.replace(/\n/g, ', ');
  const usages = c.keyUsage;
  if (usages && !usages.includes(EKU[expect.usage]))
    return {
      ok: false,
      problem: 'wrong-usage',
      message: `the certificate of ${subject} does not allow TLS ${expect.usage} authentication`,
    };
  const ids = identitiesOf(c);
  const wanted = expect.name === undefined ? undefined : identityUri(expect.kind, expect.name);
  const match = wanted
    ? ids.find((id) => id === wanted)
    : ids.find((id) => id.startsWith(`tandem://${expect.kind}/`));
  if (!match)
    return {
      ok: false,
      problem: 'wrong-identity',
      message: `the certificate names ${ids.length > 0 ? ids.join(', ') : 'no tandem:// identity'}, not ${wanted ?? `a ${expect.kind}`}`,
    };
  return { ok: true, identity: match };
}
