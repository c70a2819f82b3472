/**
 * The peer link with mutual TLS, on real sockets: two heartbeats see each other; beats from a caller
 * that is not the peer (no certificate, another CA's certificate with the peer's name, a LAM's
 * certificate) are refused and counted and change nothing — the peer is lost when it stops even
 * while a forger keeps beating in its name; a server at the peer's address with another node's
 * certificate is never taken for the peer. Each beat's release is checked: a peer more than one
 * release apart raises PeerVersionIncompatible, which clears when it runs a compatible one.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlarmRegistry } from '../../kernel/alarms.js';
import { silentLogger } from '../../kernel/logger.js';
import { waitFor } from '../../kernel/process.js';
import { type Beat, Heartbeat } from '../../node/heartbeat/heartbeat.js';
import { ALARM_PEER_VERSION } from '../../node/heartbeat/version-skew.js';
import { createCa, issueCertificate } from '../../ops/certs.js';
import { freePort } from '../../ops/local-process.js';
import { LOADER_OPTIONS, protoPath } from '../../proto/dtp.js';
import { testTls } from '../harness/tls.js';

const dir = mkdtempSync(join(tmpdir(), 'tandem-tls-hb-'));
const ca = join(dir, 'ca');
const other = join(dir, 'other-ca');
const out = join(dir, 'certs');
const otherOut = join(dir, 'other-certs');
const tlsFor = (name: string, caDir = ca, certDir = out) => testTls(caDir, certDir, name);

const beatOf = (id: string, reason = '', version = '0.1.0') =>
  ({ node_id: id, role: 'standby', acking: false, epoch: 1, reason, version }) as unknown as Beat;

function heartbeat(
  id: string,
  peerId: string,
  listen: number,
  peerPort: number,
  cert = id,
  o: { version?: () => string; alarms?: AlarmRegistry } = {},
) {
  const version = o.version ?? (() => '0.1.0');
  return new Heartbeat({
    listen: `127.0.0.1:${listen}`,
    peerId,
    peerAddress: `127.0.0.1:${peerPort}`,
    intervalMs: 100,
    misses: 3,
    ownBeat: () => beatOf(id, '', version()),
    version: version(),
    alarms: o.alarms ?? new AlarmRegistry(silentLogger()),
    tls: tlsFor(cert),
    log: silentLogger(),
  });
}

type BeatClient = grpc.Client & {
  Beat: (b: Beat, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r?: Beat) => void) => void;
};
function forger(port: number, creds: grpc.ChannelCredentials): BeatClient {
  const def = protoLoader.loadSync(protoPath('peer.proto'), LOADER_OPTIONS);
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    tandem: { peer: { v1: { Peer: grpc.ServiceClientConstructor } } };
  };
  return new pkg.tandem.peer.v1.Peer(`127.0.0.1:${port}`, creds) as unknown as BeatClient;
}
const forge = (c: BeatClient) =>
  new Promise<grpc.ServiceError | null>((resolve) =>
    c.Beat(beatOf('cam-b', 'FORGED'), { deadline: Date.now() + 2000 }, (e) => resolve(e)),
  );

beforeAll(() => {
  createCa(ca);
  createCa(other, { name: 'Another CA' });
  for (const name of ['cam-a', 'cam-b', 'cam-x'])
    issueCertificate(ca, out, { kind: 'cam', name, ips: ['127.0.0.1'] });
  issueCertificate(ca, out, { kind: 'lam', name: 'App1' });
  issueCertificate(other, otherOut, { kind: 'cam', name: 'cam-b', ips: ['127.0.0.1'] });
});

describe('heartbeat with mutual TLS', () => {
  const stops: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const s of stops.reverse()) await s();
  });

  it('forged beats are refused, counted and change nothing; the real peer is lost when it stops', {
    timeout: 30_000,
  }, async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const a = heartbeat('cam-a', 'cam-b', pa, pb);
    const b = heartbeat('cam-b', 'cam-a', pb, pa);
    await a.start();
    await b.start();
    stops.push(() => a.stop());
    await waitFor('cam-a to see cam-b', async () => (a.peer.alive ? true : undefined), { timeoutMs: 10_000 });

    const ca = readFileSync(join(dir, 'ca', 'ca.crt'));
    const key = (d: string, n: string) => readFileSync(join(d, `${n}.key`));
    const crt = (d: string, n: string) => readFileSync(join(d, `${n}.crt`));
    const forgers = {
      'no certificate': forger(pa, grpc.credentials.createSsl(ca)),
      "another CA's cam-b": forger(
        pa,
        grpc.credentials.createSsl(ca, key(otherOut, 'cam-b'), crt(otherOut, 'cam-b')),
      ),
      "a LAM's certificate": forger(pa, grpc.credentials.createSsl(ca, key(out, 'App1'), crt(out, 'App1'))),
    };
    for (const [what, client] of Object.entries(forgers)) {
      const err = await forge(client);
      expect(err?.code, what).toBe(grpc.status.UNAUTHENTICATED);
      stops.push(() => client.close());
    }
    expect(a.refusedBeats).toBe(3);
    expect(a.lastRefusal).toMatch(/names tandem:\/\/lam\/App1, not tandem:\/\/cam\/cam-b/);
    expect(a.peer.lastBeat?.reason).not.toBe('FORGED');

    // The peer stops; forgers keep beating in its name: cam-a still loses it.
    await b.stop();
    const keepForging = setInterval(() => {
      for (const c of Object.values(forgers)) void forge(c);
    }, 50);
    try {
      await waitFor('cam-a to lose cam-b', async () => (a.peer.alive ? undefined : true), {
        timeoutMs: 10_000,
      });
    } finally {
      clearInterval(keepForging);
    }
    expect(a.peer.lastBeat?.reason).not.toBe('FORGED');
    expect(a.refusedBeats).toBeGreaterThan(3);
  });

  it("a server at the peer's address with another node's certificate is never the peer", {
    timeout: 30_000,
  }, async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const a = heartbeat('cam-a', 'cam-b', pa, pb);
    // Listens where cam-b should be, with a valid certificate of the same CA that names cam-x.
    const impostor = heartbeat('cam-b', 'cam-a', pb, pa, 'cam-x');
    await a.start();
    await impostor.start();
    stops.push(
      () => a.stop(),
      () => impostor.stop(),
    );
    await waitFor(
      "cam-a's beats to fail on the impostor's certificate",
      async () => (a.peer.lastError?.includes('tandem://cam/cam-x') ? true : undefined),
      { timeoutMs: 10_000 },
    );
    expect(a.peer.alive).toBe(false);
    expect(a.peer.lastBeat).toBeNull();
  });

  it('a peer more than one release apart raises PeerVersionIncompatible; a compatible release clears it', {
    timeout: 30_000,
  }, async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const alarms = new AlarmRegistry(silentLogger());
    let peerVersion = '0.3.0';
    const a = heartbeat('cam-a', 'cam-b', pa, pb, 'cam-a', { alarms });
    const b = heartbeat('cam-b', 'cam-a', pb, pa, 'cam-b', { version: () => peerVersion });
    await a.start();
    await b.start();
    stops.push(
      () => a.stop(),
      () => b.stop(),
    );
    const alarm = () => alarms.list().find((x) => x.name === ALARM_PEER_VERSION);
    await waitFor('PeerVersionIncompatible', async () => alarm() ?? undefined, { timeoutMs: 10_000 });
    expect(alarm()?.reason).toBe(
      'cam-b runs 0.3.0, this node 0.1.0: more than one release apart (upgrade one release at a time)',
    );
    expect(a.versionProblem).toBe(alarm()?.reason);
    peerVersion = '0.2.0'; // one release apart: what a rolling upgrade runs
    await waitFor('the alarm to clear', async () => (alarm() ? undefined : true), { timeoutMs: 10_000 });
    expect(a.versionProblem).toBeUndefined();
    expect(a.peer.lastBeat?.version).toBe('0.2.0');
  });
});
