/**
 * The DTP with mutual TLS, on real sockets against a real node: a LAM without a certificate, with
 * one from another CA, with an expired one, or claiming another LAM's component name is refused
 * with a named reason (ERROR_CODE_UNAUTHENTICATED) and an alarm, while a good LAM streams
 * undisturbed; a plaintext client never gets a Welcome; a LAM that does not trust the CAM's CA
 * does not send; certificates rotated on disk under load are picked up, 0 blocks lost.
 */
import { mkdtempSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../kernel/logger.js';
import { waitFor } from '../../kernel/process.js';
import { channelCredentials } from '../../kernel/tls/credentials.js';
import { DtpSender } from '../../lam/dtp-client.js';
import { syntheticBlockRus } from '../../lam/synthetic.js';
import type { CamNode } from '../../node/cam-node.js';
import { createCa, issueCertificate } from '../../ops/certs.js';
import type { WireError } from '../../proto/dtp.js';
import { waitForHealthyCluster } from '../harness/galera.js';
import { startCamNode, uniqueLamId } from '../harness/nodes.js';
import { testTls } from '../harness/tls.js';

const dir = mkdtempSync(join(tmpdir(), 'tandem-tls-dtp-'));
const ca = join(dir, 'ca');
const other = join(dir, 'other-ca');
const out = join(dir, 'certs');
const goodLam = uniqueLamId('tls').slice(0, 32);
const rotLam = uniqueLamId('rot').slice(0, 32);
const tlsFor = (name: string, caDir = ca, certDir = out) => testTls(caDir, certDir, name);

let node: CamNode;
let primary: string;
const senders: DtpSender[] = [];

function lamSender(lamId: string, credentials: grpc.ChannelCredentials, errors: WireError[] = []) {
  const s = new DtpSender({
    target: primary,
    lamId,
    stream: 'primary',
    credentials,
    log: silentLogger(),
    onError: (e) => errors.push(e),
    minBackoffMs: 100,
    maxBackoffMs: 300,
  });
  s.start();
  senders.push(s);
  return s;
}

/** A good LAM sending a block every 20 ms from `first`; every stored ack counted by sequence. */
function goodStream(lamId = goodLam, first = 1) {
  const acks = new Map<number, number>();
  const s = new DtpSender({
    target: primary,
    lamId,
    stream: 'primary',
    credentials: channelCredentials(tlsFor(lamId)),
    log: silentLogger(),
    onAck: (seq, status) => {
      if (status === 'stored') acks.set(seq, (acks.get(seq) ?? 0) + 1);
    },
  });
  s.start();
  senders.push(s);
  let seq = first - 1;
  const timer = setInterval(() => {
    seq++;
    s.send({ blockSeq: seq, createdAtMs: Date.now(), rus: syntheticBlockRus(lamId, seq, 5) });
  }, 20);
  return {
    sender: s,
    acks,
    get sent() {
      return seq;
    },
    async finish() {
      clearInterval(timer);
      await s.drained();
      s.stop();
    },
  };
}

beforeAll(async () => {
  await waitForHealthyCluster();
  createCa(ca);
  createCa(other, { name: 'Another CA' });
  issueCertificate(ca, out, { kind: 'cam', name: 'cam-tls', ips: ['127.0.0.1'] });
  for (const name of [goodLam, rotLam, 'lam-mallory']) issueCertificate(ca, out, { kind: 'lam', name });
  issueCertificate(ca, join(dir, 'expired'), {
    kind: 'lam',
    name: goodLam,
    notBefore: '20200101000000Z',
    notAfter: '20200102000000Z',
  });
  issueCertificate(other, join(dir, 'other-certs'), { kind: 'lam', name: goodLam });
  ({ node, primary } = await startCamNode('a', { id: 'cam-tls', tls: tlsFor('cam-tls') }));
});

afterAll(async () => {
  for (const s of senders) s.stop();
  await node?.stop();
});

describe('DTP with mutual TLS', () => {
  it('refuses each bad LAM with a named reason while a good LAM streams undisturbed', {
    timeout: 60_000,
  }, async () => {
    const good = goodStream();
    await waitFor('the good LAM to be acked', async () => (good.acks.size > 5 ? true : undefined), {
      timeoutMs: 20_000,
    });
    const caPem = readFileSync(join(ca, 'ca.crt'));
    const pair = (d: string, n: string) =>
      [readFileSync(join(d, `${n}.key`)), readFileSync(join(d, `${n}.crt`))] as const;
    const cases: [string, grpc.ChannelCredentials, RegExp, string][] = [
      ['no certificate', grpc.credentials.createSsl(caPem), /no client certificate/, 'missing'],
      [
        "another CA's certificate",
        grpc.credentials.createSsl(caPem, ...pair(join(dir, 'other-certs'), goodLam)),
        /not signed by a trusted CA/,
        'untrusted',
      ],
      [
        'an expired one',
        grpc.credentials.createSsl(caPem, ...pair(join(dir, 'expired'), goodLam)),
        /expired on/,
        'expired',
      ],
      [
        "another LAM's certificate",
        grpc.credentials.createSsl(caPem, ...pair(out, 'lam-mallory')),
        /names tandem:\/\/lam\/lam-mallory, not tandem:\/\/lam\//,
        'wrong-identity',
      ],
    ];
    for (const [what, creds, reason] of cases) {
      const errors: WireError[] = [];
      const bad = lamSender(goodLam, creds, errors);
      bad.send({ blockSeq: 1_000_000, createdAtMs: 0, rus: syntheticBlockRus(goodLam, 1_000_000, 2) });
      const [err] = await waitFor(
        `${what} to be refused`,
        async () => (errors.length > 0 ? errors : undefined),
        {
          timeoutMs: 10_000,
          intervalMs: 50,
        },
      );
      expect(err!.code, what).toBe('ERROR_CODE_UNAUTHENTICATED');
      expect(err!.message, what).toMatch(reason);
      expect(bad.stats.acked, what).toBe(0);
      bad.stop();
    }
    // A plaintext client on the TLS port never gets as far as a Welcome.
    const plain = lamSender('lam-plain', grpc.credentials.createInsecure());
    await waitFor(
      'the plaintext client to fail',
      async () => (plain.stats.lastError !== '' ? true : undefined),
      {
        timeoutMs: 10_000,
      },
    );
    expect(plain.stats.connects).toBe(0);
    plain.stop();

    await good.finish();
    expect([...good.acks.keys()].sort((a, b) => a - b)).toEqual(
      Array.from({ length: good.sent }, (_, i) => i + 1),
    );
    expect([...good.acks.values()].every((n) => n === 1)).toBe(true);
    expect(good.sender.stats.errors).toBe(0);
    const status = node.status();
    expect(status.dtp?.refusedCertificates).toMatchObject({
      missing: 1,
      untrusted: 1,
      expired: 1,
      'wrong-identity': 1,
    });
    expect(node.alarms.isActive('LamAuthenticationFailure')).toBe(true);
    expect(node.alarms.list().find((a) => a.name === 'LamAuthenticationFailure')?.reason).toMatch(
      /lam-mallory/,
    );
  });

  it("a LAM that does not trust the CAM's CA sends nothing", { timeout: 30_000 }, async () => {
    const lam = lamSender(goodLam, channelCredentials(tlsFor(goodLam, other, join(dir, 'other-certs'))));
    lam.send({ blockSeq: 2_000_000, createdAtMs: 0, rus: syntheticBlockRus(goodLam, 2_000_000, 2) });
    await waitFor('the handshake to fail', async () => (lam.stats.lastError !== '' ? true : undefined), {
      timeoutMs: 10_000,
    });
    expect(lam.stats.connects).toBe(0);
    expect(lam.stats.lastError).toMatch(/certificate|self-signed|verify/i);
    lam.stop();
  });

  it('new certificates deployed on disk are used for new connections while blocks flow: none lost', {
    timeout: 60_000,
  }, async () => {
    const serialOf = () =>
      new Promise<string>((resolve, reject) => {
        const [host, port] = primary.split(':') as [string, string];
        const s = tlsConnect({
          host,
          port: Number(port),
          ca: readFileSync(join(ca, 'ca.crt')),
          ALPNProtocols: ['h2'],
          checkServerIdentity: () => undefined,
        });
        s.once('secureConnect', () => {
          resolve(s.getPeerCertificate().serialNumber);
          s.destroy();
        });
        s.once('error', reject);
      });
    const before = await serialOf();
    const rot = goodStream(rotLam);
    await waitFor('acks', async () => (rot.acks.size > 5 ? true : undefined), { timeoutMs: 20_000 });
    // Rotate the node's and the LAM's certificates: issue new ones, then move them into place.
    const next = join(dir, 'next');
    issueCertificate(ca, next, { kind: 'cam', name: 'cam-tls', ips: ['127.0.0.1'] });
    issueCertificate(ca, next, { kind: 'lam', name: rotLam });
    for (const name of ['cam-tls', rotLam])
      for (const ext of ['key', 'crt']) renameSync(join(next, `${name}.${ext}`), join(out, `${name}.${ext}`));
    await waitFor(
      'the node to serve the new certificate',
      async () => ((await serialOf()) !== before ? true : undefined),
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    // The stream opened before the rotation went on; the LAM reconnects with its new certificate.
    await rot.finish();
    const again = goodStream(rotLam, rot.sent + 1);
    await waitFor('acks on the new connection', async () => (again.acks.size > 5 ? true : undefined), {
      timeoutMs: 20_000,
    });
    await again.finish();
    const stored = [...rot.acks.keys(), ...again.acks.keys()].sort((a, b) => a - b);
    expect(stored).toEqual(Array.from({ length: again.sent }, (_, i) => i + 1));
    expect([...rot.acks.values(), ...again.acks.values()].every((n) => n === 1)).toBe(true);
  });
});
