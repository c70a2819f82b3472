/**
 * A CAM pair on one host (demo, tests, benchmarks): two `tandem node` processes, one per Galera
 * member, with the `local` VIP driver — the logical IP is a loopback alias (127.0.0.0/8 is all on
 * `lo`), on which only the active node listens. Both nodes use the same DTP ports, like two servers.
 */
import { join } from 'node:path';
import type { TlsConfig } from '../kernel/tls/config.js';
import { CamProcess, freePort, type LocalDatabase } from './local-cam.js';

export interface LocalPairOptions {
  dir: string;
  databases: { a: LocalDatabase; b: LocalDatabase };
  /** A loopback alias, e.g. 127.0.0.77. */
  logicalIp: string;
  ids?: { a: string; b: string };
  /** Merged into both nodes' configuration (cam fields merged, other sections replaced). */
  extra?: Record<string, Record<string, unknown>>;
  pair?: Record<string, unknown>;
  logLevel?: string;
  /** Each node's `tls` section, by node id (mutual TLS on the DTP and the heartbeats). */
  tlsOf?: (id: string) => TlsConfig;
}

export interface LocalPair {
  a: CamProcess;
  b: CamProcess;
  nodes: CamProcess[];
  /** host:port of the primary and recovery streams on the logical IP. */
  primaryTarget: string;
  recoveryTarget: string;
}

export async function createLocalPair(o: LocalPairOptions): Promise<LocalPair> {
  const ids = o.ids ?? { a: 'cam-a', b: 'cam-b' };
  const ports = { primary: await freePort(), recovery: await freePort() };
  const heartbeat = { a: await freePort(), b: await freePort() };
  const make = async (me: 'a' | 'b') => {
    const peer = me === 'a' ? 'b' : 'a';
    return CamProcess.create({
      id: ids[me],
      dir: o.dir,
      database: o.databases[me],
      logLevel: o.logLevel,
      ports: { ...ports, admin: await freePort() },
      extra: {
        ...o.extra,
        ...(o.tlsOf ? { tls: o.tlsOf(ids[me]) } : {}),
        cam: { ...o.extra?.cam, ipAddress: o.logicalIp },
        pair: {
          enabled: true,
          peerId: ids[peer],
          heartbeatListen: `127.0.0.1:${heartbeat[me]}`,
          peerHeartbeat: `127.0.0.1:${heartbeat[peer]}`,
          preferred: ids.a,
          ...o.pair,
        },
        vip: { driver: 'local' },
      },
    });
  };
  const a = await make('a');
  const b = await make('b');
  return {
    a,
    b,
    nodes: [a, b],
    primaryTarget: `${o.logicalIp}:${ports.primary}`,
    recoveryTarget: `${o.logicalIp}:${ports.recovery}`,
  };
}

/** Starts cam-a and waits until it is active, then cam-b until it is standby. */
export async function startActiveThenStandby(pair: LocalPair): Promise<void> {
  pair.a.start();
  await pair.a.waitRole('active');
  pair.b.start();
  await pair.b.waitRole('standby');
}

/** The node that is active now, if exactly one is. */
export async function activeNode(pair: LocalPair): Promise<CamProcess | undefined> {
  const roles = await Promise.all(pair.nodes.map((n) => n.role()));
  const active = pair.nodes.filter((_, i) => roles[i] === 'active');
  return active.length === 1 ? active[0] : undefined;
}

export const accountingDir = (dir: string, id: string) => join(dir, id, 'accounting');
