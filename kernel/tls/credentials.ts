/**
 * gRPC credentials from the `tls` section, and the check of who is calling. Certificates and keys
 * come from files that grpc-js re-reads every `reloadIntervalMs` (FileWatcherCertificateProvider):
 * deploying new files rotates them for new connections without a restart, and open streams go on.
 *
 * The server asks every client for a certificate but lets the handshake finish without one, so that
 * the refusal is an answer naming the reason (missing, untrusted, expired, another identity) and an
 * alarm, not a reset connection; nothing a client sends is acted on before `TlsPeers.verify` passed.
 */

import type { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { TLSSocket } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import type { TlsConfig } from './config.js';
import {
  checkIdentity,
  type Expectation,
  parseCaBundle,
  type Verdict,
  verifyCertificate,
} from './identity.js';

const {
  FileWatcherCertificateProvider,
  createCertificateProviderServerCredentials,
  createCertificateProviderChannelCredentials,
} = grpc.experimental;

export function serverCredentials(tls: TlsConfig): grpc.ServerCredentials {
  if (!tls.enabled) return grpc.ServerCredentials.createInsecure();
  const { ca, identity } = providers(tls);
  return createCertificateProviderServerCredentials(ca, identity, false);
}

/**
 * Credentials to dial a CAM node: its certificate must be signed by a trusted CA, name the address
 * dialed (the logical IP, so a failover to the other server still verifies) and a CAM identity —
 * `name` when only one node will do (the peer link).
 */
export function channelCredentials(tls: TlsConfig, cam: { name?: string } = {}): grpc.ChannelCredentials {
  if (!tls.enabled) return grpc.credentials.createInsecure();
  const { ca, identity } = providers(tls);
  return createCertificateProviderChannelCredentials(ca, identity, {
    checkServerIdentity: (_host, cert) => {
      // The handshake verified the chain, the dates and the address dialed; this adds the identity.
      const verdict = checkIdentity(cert.raw, { kind: 'cam', name: cam.name, usage: 'server' });
      return verdict.ok ? undefined : new Error(verdict.message);
    },
  });
}

/**
 * One provider serves both the CA bundle and this process's certificate. (grpc-js 1.14's
 * createCertificateProviderServerCredentials hands its two providers to the constructor in the
 * opposite order; with the same provider in both places the order cannot matter.)
 */
function providers(tls: TlsConfig) {
  const files = new FileWatcherCertificateProvider({
    caCertificateFile: tls.caFile,
    certificateFile: tls.certFile,
    privateKeyFile: tls.keyFile,
    refreshIntervalMs: tls.reloadIntervalMs,
  });
  return { ca: files, identity: files };
}

/** The CA bundle, re-read when the file changes (checked at most once per reload interval). */
export class TrustStore {
  private cas: X509Certificate[] = [];
  private mtimeMs = -1;
  private checkedAt = 0;

  constructor(private readonly tls: TlsConfig) {
    this.refresh(true);
  }

  get certificates(): readonly X509Certificate[] {
    this.refresh(false);
    return this.cas;
  }

  private refresh(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.checkedAt < this.tls.reloadIntervalMs) return;
    this.checkedAt = now;
    const mtimeMs = statSync(this.tls.caFile).mtimeMs;
    if (mtimeMs === this.mtimeMs) return;
    try {
      this.cas = parseCaBundle(readFileSync(this.tls.caFile, 'utf8'));
      this.mtimeMs = mtimeMs;
    } catch (err) {
      // A bundle being rewritten or broken: keep the last good one, and say so at start-up.
      if (force) throw new Error(`tls.caFile ${this.tls.caFile}: ${(err as Error).message}`);
    }
  }
}

/** What a gRPC server call offers: its auth context (and, inside grpc-js, its TLS socket). */
export interface CallWithCertificate {
  getAuthContext(): { sslPeerCertificate?: { raw?: Buffer } } | null;
  getPeer(): string;
}

/**
 * The client certificate a call presented, verified or not. grpc-js's auth context holds it only
 * once the TLS stack authorised it — a certificate of another CA or an expired one looks absent —
 * so the certificate is read from the call's TLS socket (grpc-js internals: call → intercepting
 * calls → http2 stream → session → socket) to name the reason; failing that, from the auth context.
 */
export function presentedCertificate(call: CallWithCertificate): Buffer | undefined {
  type Inner = { call?: Inner; nextCall?: Inner; stream?: { session?: { socket?: unknown } } };
  let inner = (call as unknown as Inner).call;
  for (let i = 0; i < 10 && inner && !inner.stream; i++) inner = inner.nextCall;
  const socket = inner?.stream?.session?.socket;
  if (socket instanceof TLSSocket) {
    const raw = socket.getPeerCertificate()?.raw;
    return raw && raw.length > 0 ? raw : undefined;
  }
  const raw = call.getAuthContext()?.sslPeerCertificate?.raw;
  return raw && raw.length > 0 ? raw : undefined;
}

/** Verifies the client certificate of a gRPC call against the trust store. */
export class TlsPeers {
  private readonly trust: TrustStore | undefined;

  constructor(readonly tls: TlsConfig) {
    this.trust = tls.enabled ? new TrustStore(tls) : undefined;
  }

  get enabled(): boolean {
    return this.trust !== undefined;
  }

  verify(call: CallWithCertificate, expect: Expectation): Verdict {
    if (!this.trust) return { ok: true, identity: 'tls-off' };
    return verifyCertificate(presentedCertificate(call), this.trust.certificates, expect, new Date());
  }
}
