/**
 * The TCP feed under ingest load (docs/benchmarks.md): one CAM node (`tandem node`) with the feed on,
 * the reference collector (confirming) in this process, LAM streams in a closed loop for `--seconds`.
 * Measures acked RUs/s, records/s reaching the collector, and how far the feed lags behind.
 *
 *   node dist/bench/feed.js [--seconds 20] [--streams 4]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import mariadb from 'mariadb';
import { sleep, waitFor } from '../kernel/process.js';
import { CamProcess } from '../ops/local-cam.js';
import { LocalGaleraCluster } from '../ops/local-cluster.js';
import { OssCollector } from '../ops/oss-collector.js';
import { arg, closedLoopStreams, runBench, writeResults } from './common.js';

const RUS_PER_BLOCK = 20;

runBench(async () => {
  const seconds = arg('seconds', 20);
  const streams = arg('streams', 4);
  const base = '/tmp/tandem-bench-feed';
  rmSync(base, { recursive: true, force: true });
  const cluster = new LocalGaleraCluster({ baseDir: join(base, 'galera'), basePort: 30300 });
  await cluster.start();
  const { collector, ports } = await OssCollector.onFreePorts(
    mkdtempSync(join(tmpdir(), 'tandem-bench-collector-')),
  );
  const cam = await CamProcess.create({
    id: 'cam-feed',
    dir: join(base, 'cam'),
    database: cluster.connectionFor('a'),
    logLevel: 'warn',
    extra: {
      cam: {
        tcpIpEnabled: true,
        tcpIpAddress: '127.0.0.1',
        tcpIpPrimaryHostPort: ports.primary,
        tcpIpRecoveryHostPort: ports.recovery,
      },
      ipdr: { intervalMs: 100 },
      delivery: { intervalMs: 100 },
    },
  });
  let load: { stop: () => Promise<void> } | undefined;
  try {
    cam.start();
    await cam.waitAccepting();
    let acked = 0;
    load = closedLoopStreams({
      target: cam.primaryTarget,
      streams,
      outstanding: 8,
      rusPerBlock: RUS_PER_BLOCK,
      prefix: 'feed',
      onAck: () => acked++,
    });
    const t0 = Date.now();
    // Each second: acked RUs, records placed into IPDR files by the planner, records at the collector.
    const conn = await mariadb.createConnection({ ...cluster.connectionFor('a'), bigIntAsNumber: true });
    const placed = async () =>
      Number(
        (
          await conn.query(
            "SELECT COALESCE(MAX(next_record_seq), 1) - 1 AS n FROM ipdr_file WHERE series = 'primary'",
          )
        )[0].n,
      );
    const samples: { acked: number; placed: number; atCollector: number }[] = [];
    while (Date.now() - t0 < seconds * 1000) {
      await sleep(1000);
      samples.push({
        acked: acked * RUS_PER_BLOCK,
        placed: await placed(),
        atCollector: collector.last.get('primary') ?? 0,
      });
    }
    await load.stop();
    load = undefined;
    const ingestSeconds = (Date.now() - t0) / 1000;
    const total = acked * RUS_PER_BLOCK;
    await waitFor(
      'the collector to have every record',
      async () => ((collector.last.get('primary') ?? 0) >= total ? true : undefined),
      {
        timeoutMs: 600_000,
        intervalMs: 100,
      },
    );
    const feedSeconds = (Date.now() - t0) / 1000;
    await conn.end();
    const result = {
      seconds,
      streams,
      ackedRusPerS: Math.round(total / ingestSeconds),
      feedRecordsPerS: Math.round(total / feedSeconds),
      drainAfterIngestS: Number((feedSeconds - ingestSeconds).toFixed(1)),
      // Behind the acks: what the planner has not placed yet, and what the feed has not delivered.
      planLagEachSecond: samples.map((x) => x.acked - x.placed),
      feedLagEachSecond: samples.map((x) => x.placed - x.atCollector),
      collector: { ...collector.stats, gaps: collector.stats.gaps.length },
      loadavg1m: loadavg()[0],
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    writeResults('feed', result);
  } finally {
    await load?.stop();
    await cam.stop();
    await collector.close();
    await cluster.stopAll();
  }
});
