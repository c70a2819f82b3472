/** Shared plumbing of the benchmarks: arguments, percentiles, result files, exit codes. */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ChannelCredentials } from '@grpc/grpc-js';
import { silentLogger } from '../kernel/logger.js';
import { DtpSender } from '../lam/dtp-client.js';
import { syntheticBlockRus } from '../lam/synthetic.js';
import { LocalGaleraCluster } from '../ops/local-cluster.js';
import { createLocalPair, type LocalPair, startActiveThenStandby } from '../ops/local-pair.js';

export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** bench/results/<name>-<timestamp>.json (from both the sources and dist/). */
export function writeResults(name: string, data: unknown): void {
  const root = dirname(import.meta.dirname.replace(join('dist', 'bench'), 'bench'));
  const out = join(root, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
    JSON.stringify(data, null, 2),
  );
}

export function runBench(main: () => Promise<void>): void {
  main().catch((err) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  });
}

/**
 * A Galera pair + garbd and the two CAM nodes (`local` VIP) for the pair benchmarks, started with
 * cam-a active and cam-b standby. `base` must be world-traversable (the members run as mysql).
 */
export async function startBenchPair(o: {
  base: string;
  basePort: number;
  logicalIp: string;
  pair?: Record<string, unknown>;
}): Promise<{ cluster: LocalGaleraCluster; pair: LocalPair; stop: () => Promise<void> }> {
  rmSync(o.base, { recursive: true, force: true });
  const cluster = new LocalGaleraCluster({ baseDir: join(o.base, 'galera'), basePort: o.basePort });
  await cluster.start();
  const pair = await createLocalPair({
    dir: join(o.base, 'cam'),
    databases: { a: cluster.connectionFor('a'), b: cluster.connectionFor('b') },
    logicalIp: o.logicalIp,
    logLevel: 'warn',
    pair: o.pair,
  });
  await startActiveThenStandby(pair);
  return {
    cluster,
    pair,
    stop: async () => {
      for (const n of pair.nodes) await n.stop();
      await cluster.stopAll();
    },
  };
}

/**
 * LAM streams in a closed loop: each keeps `outstanding` blocks of `rusPerBlock` RUs unacknowledged
 * until `stop()`, which waits for the last acks. `onAck` sees every ack.
 */
export function closedLoopStreams(o: {
  target: string;
  streams: number;
  outstanding: number;
  rusPerBlock: number;
  prefix: string;
  onAck?: () => void;
  /** TLS to the CAM for a stream's LAM id (default: insecure). */
  credentialsFor?: (lamId: string) => ChannelCredentials;
}): { stop: () => Promise<void> } {
  let stopped = false;
  const senders: DtpSender[] = [];
  for (let i = 0; i < o.streams; i++) {
    const lamId = `${o.prefix}-${i}-${Date.now().toString(36)}`;
    let seq = 0;
    const sendNext = () =>
      s.send({ blockSeq: ++seq, createdAtMs: 0, rus: syntheticBlockRus(lamId, seq, o.rusPerBlock) });
    const s: DtpSender = new DtpSender({
      target: o.target,
      lamId,
      stream: 'primary',
      credentials: o.credentialsFor?.(lamId),
      log: silentLogger(),
      onAck: () => {
        o.onAck?.();
        if (!stopped) sendNext();
      },
    });
    senders.push(s);
    s.start();
    for (let k = 0; k < o.outstanding; k++) sendNext();
  }
  return {
    stop: async () => {
      stopped = true;
      await Promise.all(senders.map((s) => s.drained()));
      for (const s of senders) s.stop();
    },
  };
}
