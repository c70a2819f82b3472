/**
 * Heartbeats between the two nodes (proto/peer.proto): a gRPC server answering Beat with this node's
 * beat, and a client beating the peer every interval. The peer counts as alive until `misses`
 * consecutive beats fail.
 *
 * With `tls.enabled`, both directions are the configured peer's certificate or nothing: a Beat whose
 * caller does not present tandem://cam/<peerId> signed by a trusted CA is answered UNAUTHENTICATED,
 * counted, and never reaches the failure detector (a forged "peer down" could start a bootstrap);
 * the client accepts only a server certificate naming the peer.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { Logger } from 'pino';
import type { AlarmRegistry } from '../../kernel/alarms.js';
import type { TlsConfig } from '../../kernel/tls/config.js';
import { channelCredentials, serverCredentials, TlsPeers } from '../../kernel/tls/credentials.js';
import { LOADER_OPTIONS, protoPath } from '../../proto/dtp.js';
import type { Beat__Output } from '../../proto/gen/tandem/peer/v1/Beat.js';
import {
  aliveActive,
  beatMissed,
  beatReceived,
  healthyStandby,
  initialPeerView,
  type PeerView,
} from './failure-detector.js';
import { ALARM_PEER_VERSION, versionSkewProblem } from './version-skew.js';

/** One heartbeat (proto/peer.proto; the type is generated into proto/gen/). */
export type Beat = Beat__Output;

type PeerClient = grpc.Client & {
  Beat: (b: Beat, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, r?: Beat) => void) => void;
};

function peerService(): { service: grpc.ServiceDefinition; Client: grpc.ServiceClientConstructor } {
  const def = protoLoader.loadSync(protoPath('peer.proto'), LOADER_OPTIONS);
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    tandem: { peer: { v1: { Peer: grpc.ServiceClientConstructor } } };
  };
  const Client = pkg.tandem.peer.v1.Peer;
  return { service: Client.service, Client };
}

export class Heartbeat {
  peer: PeerView;
  private server: grpc.Server | undefined;
  private client: PeerClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;
  private readonly peers: TlsPeers;
  /** Beats refused because the caller was not the peer (TLS), and the last reason. */
  refusedBeats = 0;
  lastRefusal = '';
  /** Why the peer's release may not run beside this one (version-skew.ts); undefined: it may. */
  versionProblem: string | undefined;

  constructor(
    private readonly o: {
      listen: string;
      peerId: string;
      peerAddress: string;
      intervalMs: number;
      misses: number;
      ownBeat: () => Beat;
      /** This node's release, compared with the peer's at every beat. */
      version: string;
      alarms: Pick<AlarmRegistry, 'raise' | 'clear'>;
      tls: TlsConfig;
      log: Logger;
    },
  ) {
    this.peer = initialPeerView(o.peerId, o.peerAddress);
    this.peers = new TlsPeers(o.tls);
  }

  async start(): Promise<void> {
    const { service, Client } = peerService();
    this.server = new grpc.Server();
    this.server.addService(service, {
      Beat: (call: grpc.ServerUnaryCall<Beat, Beat>, cb: grpc.sendUnaryData<Beat>) => {
        const verdict = this.peers.verify(call, { kind: 'cam', name: this.o.peerId, usage: 'client' });
        if (!verdict.ok) {
          this.refusedBeats++;
          if (this.lastRefusal !== verdict.message)
            this.o.log.warn(
              { reason: verdict.message, from: call.getPeer() },
              'heartbeat refused: not the peer',
            );
          this.lastRefusal = verdict.message;
          cb({ code: grpc.status.UNAUTHENTICATED, details: verdict.message });
          return;
        }
        if (call.request.node_id === this.o.peerId) this.received(call.request);
        cb(null, this.o.ownBeat());
      },
    });
    await new Promise<void>((resolve, reject) =>
      this.server!.bindAsync(this.o.listen, serverCredentials(this.o.tls), (err) =>
        err
          ? reject(new Error(`cannot listen on ${this.o.listen} (pair.heartbeatListen): ${err.message}`))
          : resolve(),
      ),
    );
    this.client = new Client(this.o.peerAddress, channelCredentials(this.o.tls, { name: this.o.peerId }), {
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1000,
    }) as unknown as PeerClient;
    this.timer = setInterval(() => this.beat(), this.o.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.client?.close();
    await new Promise<void>((resolve) =>
      this.server ? this.server.tryShutdown(() => resolve()) : resolve(),
    );
  }

  /** The peer is alive and says it is active (a database stall is no reason to take its role). */
  aliveActive(): boolean {
    return aliveActive(this.peer);
  }

  /** Alive and a standby that could take the role now. */
  healthyStandby(): boolean {
    return healthyStandby(this.peer);
  }

  private beat(): void {
    if (this.inFlight) {
      this.missed('no answer within the interval');
      return;
    }
    this.inFlight = true;
    const deadline = new Date(Date.now() + Math.max(this.o.intervalMs, 100));
    this.client!.Beat(this.o.ownBeat(), { deadline }, (err, reply) => {
      this.inFlight = false;
      if (err || !reply) this.missed(err?.details || err?.message || 'empty reply');
      else this.received(reply);
    });
  }

  private received(b: Beat): void {
    const { view, change } = beatReceived(this.peer, b, Date.now());
    this.peer = view;
    if (change === 'up')
      this.o.log.info({ peer: b.node_id, role: b.role, version: b.version }, 'peer heartbeat up');
    this.checkVersion(b.version);
  }

  /** The alarm follows the peer's last beat: it clears when the peer runs a compatible release. */
  private checkVersion(peerVersion: string): void {
    const problem = versionSkewProblem(this.o.version, this.o.peerId, peerVersion);
    if (problem === this.versionProblem) return;
    this.versionProblem = problem;
    if (problem) {
      this.o.log.warn({ peer: this.o.peerId, reason: problem }, 'peer runs an incompatible release');
      this.o.alarms.raise(ALARM_PEER_VERSION, 'major', problem);
    } else this.o.alarms.clear(ALARM_PEER_VERSION, `${this.o.peerId} runs ${peerVersion}`);
  }

  private missed(reason: string): void {
    const { view, change } = beatMissed(this.peer, reason, this.o.misses);
    this.peer = view;
    if (change === 'lost')
      this.o.log.warn({ peer: this.o.peerId, misses: view.consecutiveMisses, reason }, 'peer heartbeat lost');
  }
}
