/**
 * False demotions and evictions under load (docs/benchmarks.md): the pair with the default timing
 * (1.5 s lease, 1 s demote) under the heaviest ingest this machine can give (16 LAM streams, 16 blocks
 * outstanding each, IPDR planning and rendering on), for `--seconds`. Nothing fails on purpose: every
 * role change, lease epoch step, Galera cluster-size dip or ack gap > 1 s is a false alarm.
 *
 *   node dist/bench/pair-load.js [--seconds 60] [--streams 16]
 */
import { loadavg } from 'node:os';
import { sleep } from '../kernel/process.js';
import { arg, closedLoopStreams, runBench, startBenchPair, writeResults } from './common.js';

interface NodeStatus {
  role: {
    role: string;
    lease: { epoch: number } | null;
    history: { role: string; at: string; reason: string }[];
  };
  database: { clusterSize: number | null };
}

runBench(async () => {
  const seconds = arg('seconds', 60);
  const streams = arg('streams', 16);
  const { pair, stop } = await startBenchPair({
    base: '/tmp/tandem-bench-pair-load',
    basePort: 29300,
    logicalIp: '127.0.0.79',
  });
  let load: { stop: () => Promise<void> } | undefined;
  try {
    const startEpoch = ((await pair.a.status()) as unknown as NodeStatus).role.lease?.epoch ?? 0;
    const ackTimes: number[] = [];
    load = closedLoopStreams({
      target: pair.primaryTarget,
      streams,
      outstanding: 16,
      rusPerBlock: 20,
      prefix: 'load',
      onAck: () => ackTimes.push(Date.now()),
    });
    const t0 = Date.now();
    let minClusterSize = 3;
    const loadAvg: number[] = [];
    while (Date.now() - t0 < seconds * 1000) {
      await sleep(250);
      for (const n of pair.nodes) {
        const st = (await n.status().catch(() => null)) as unknown as NodeStatus | null;
        if (st?.database.clusterSize) minClusterSize = Math.min(minClusterSize, st.database.clusterSize);
      }
      if (loadAvg.length < (Date.now() - t0) / 5000) loadAvg.push(loadavg()[0]!);
    }
    await load.stop();
    load = undefined;
    const statuses = (await Promise.all(pair.nodes.map((n) => n.status()))) as unknown as NodeStatus[];
    const changes = statuses.flatMap((st, i) =>
      st.role.history.filter((h) => Date.parse(h.at) >= t0).map((h) => ({ node: pair.nodes[i]!.id, ...h })),
    );
    const endEpoch = statuses[0]!.role.lease?.epoch ?? 0;
    const during = ackTimes.filter((t) => t >= t0).sort((x, y) => x - y);
    const gaps = during
      .slice(1)
      .map((t, k) => t - during[k]!)
      .filter((g) => g > 1000);
    const result = {
      seconds,
      streams,
      blocksPerS: Math.round(during.length / seconds),
      rusPerS: Math.round((during.length * 20) / seconds),
      roleChanges: changes,
      leaseEpochSteps: endEpoch - startEpoch,
      minGaleraClusterSize: minClusterSize,
      ackGapsOver1s: gaps,
      loadavg1m: loadAvg,
      settings: { leaseTtlMs: 1500, demoteAfterMs: 1000, tickMs: 100 },
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    writeResults('pair-load', result);
  } finally {
    await load?.stop();
    await stop();
  }
});
