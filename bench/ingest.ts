/**
 * Ingest benchmark: acknowledged RUs/s and ack latency (p50/p99) for 1, 4 and 16 concurrent LAM
 * streams against a CAM node (`tandem node`, its own process) on a real Galera pair + garbd, next
 * to the raw Galera insert ceiling for the same payload measured in the same run. IPDR rendering
 * and the TCP feed are on (a confirming collector in this process, `--feed 0` turns it off): the
 * feed's lag is the RUs acked but not yet at the collector, sampled every 250 ms.
 *
 * Events can go to NATS (`--nats 1`: a local nats-server, `--nats 2`: a NATS address where nothing
 * listens, i.e. the server down; default 0: events off), to show that NATS does not slow acks.
 *
 *   npm run build && node dist/bench/ingest.js [--seconds 10] [--outstanding 16] [--feed 1] [--nats 0]
 *
 * Results go to stdout as Markdown and to bench/results/ingest-<timestamp>.json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import mariadb from 'mariadb';
import { silentLogger } from '../kernel/logger.js';
import { sleep } from '../kernel/process.js';
import { DtpSender } from '../lam/dtp-client.js';
import { syntheticBlockRus } from '../lam/synthetic.js';
import { databaseSchema } from '../node/config/schema.js';
import { Database } from '../node/replication/database.js';
import { migrate } from '../node/replication/migrations.js';
import { CamProcess, freePort } from '../ops/local-cam.js';
import { LocalGaleraCluster } from '../ops/local-cluster.js';
import { LocalNatsServer } from '../ops/local-nats.js';
import { OssCollector } from '../ops/oss-collector.js';
import { arg, percentile, runBench, writeResults } from './common.js';

const RUS_PER_BLOCK = 20;

interface StreamResult {
  streams: number;
  rusPerS: number;
  blocksPerS: number;
  p50Ms: number;
  p99Ms: number;
  acked: number;
  /** RUs acked but not yet at the collector: median and largest sample while measuring. */
  feedLagP50?: number;
  feedLagMax?: number;
  /** From the end of the load until the collector had every acked RU. */
  feedDrainMs?: number;
}

/** What the feed has delivered: RUs at the collector, against every RU acked so far. */
interface FeedProbe {
  delivered(): number;
}

/** Closed loop: every stream keeps `outstanding` blocks unacknowledged at all times. */
let ackedTotalRus = 0;

async function runStreams(
  cam: CamProcess,
  streams: number,
  seconds: number,
  outstanding: number,
  feed?: FeedProbe,
): Promise<StreamResult> {
  const tag = `${streams}s-${Date.now().toString(36)}`;
  const latencies: number[] = [];
  let acked = 0;
  let measuring = false;
  const senders: DtpSender[] = [];
  const sentAt = new Map<string, number>();
  const next = new Map<DtpSender, number>();
  const sendNext = (s: DtpSender, lamId: string) => {
    const seq = (next.get(s) ?? 0) + 1;
    next.set(s, seq);
    sentAt.set(`${lamId}#${seq}`, performance.now());
    s.send({ blockSeq: seq, createdAtMs: Date.now(), rus: syntheticBlockRus(lamId, seq, RUS_PER_BLOCK) });
  };
  for (let i = 0; i < streams; i++) {
    const lamId = `bench-${tag}-${i}`;
    const s: DtpSender = new DtpSender({
      target: cam.primaryTarget,
      lamId,
      stream: 'primary',
      log: silentLogger(),
      onAck: (seq) => {
        const key = `${lamId}#${seq}`;
        ackedTotalRus += RUS_PER_BLOCK;
        if (measuring) {
          latencies.push(performance.now() - sentAt.get(key)!);
          acked++;
        }
        sentAt.delete(key);
        if (!stopped) sendNext(s, lamId);
      },
    });
    senders.push(s);
    s.start();
    for (let k = 0; k < outstanding; k++) sendNext(s, lamId);
  }
  let stopped = false;
  await sleep(2000); // warm-up
  measuring = true;
  const t0 = performance.now();
  const lags: number[] = [];
  while (performance.now() - t0 < seconds * 1000) {
    await sleep(250);
    if (feed) lags.push(ackedTotalRus - feed.delivered());
  }
  measuring = false;
  const elapsed = (performance.now() - t0) / 1000;
  stopped = true;
  await Promise.all(senders.map((s) => s.drained()));
  for (const s of senders) s.stop();
  let feedDrainMs: number | undefined;
  if (feed) {
    const t = performance.now();
    while (feed.delivered() < ackedTotalRus && performance.now() - t < 60_000) await sleep(20);
    feedDrainMs = feed.delivered() >= ackedTotalRus ? Math.round(performance.now() - t) : Number.NaN;
  }
  latencies.sort((a, b) => a - b);
  lags.sort((a, b) => a - b);
  return {
    streams,
    rusPerS: Math.round((acked * RUS_PER_BLOCK) / elapsed),
    blocksPerS: Math.round(acked / elapsed),
    p50Ms: Number(percentile(latencies, 50).toFixed(1)),
    p99Ms: Number(percentile(latencies, 99).toFixed(1)),
    acked,
    ...(feed ? { feedLagP50: percentile(lags, 50), feedLagMax: lags.at(-1) ?? 0, feedDrainMs } : {}),
  };
}

/** The ceiling: the same block rows inserted straight into Galera, many rows per transaction. */
async function rawCeiling(
  cluster: LocalGaleraCluster,
  seconds: number,
  connections: number,
  rowsPerTxn: number,
) {
  const c = cluster.connectionFor('a');
  const pool = mariadb.createPool({ ...c, connectionLimit: connections, bigIntAsNumber: true });
  await pool.query('CREATE TABLE IF NOT EXISTS raw_block LIKE ledger_block');
  let rows = 0;
  let txns = 0;
  const deadline = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async (_, w) => {
      const conn = await pool.getConnection();
      let seq = 0;
      while (performance.now() < deadline) {
        const values: unknown[] = [];
        for (let i = 0; i < rowsPerTxn; i++) {
          seq++;
          const payload = JSON.stringify(syntheticBlockRus(`raw-${w}`, seq, RUS_PER_BLOCK));
          values.push(`raw-${w}-${t0}`, seq, 'primary', RUS_PER_BLOCK, Date.now(), 'bench', payload);
        }
        await conn.beginTransaction();
        await conn.query(
          `INSERT INTO raw_block (lam_id, block_seq, stream, ru_count, created_at_ms, received_by, payload) VALUES ${Array(rowsPerTxn).fill('(?,?,?,?,?,?,?)').join(',')}`,
          values,
        );
        await conn.commit();
        rows += rowsPerTxn;
        txns++;
      }
      await conn.release();
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  await pool.query('DROP TABLE raw_block');
  await pool.end();
  return {
    connections,
    rowsPerTxn,
    blocksPerS: Math.round(rows / elapsed),
    rusPerS: Math.round((rows * RUS_PER_BLOCK) / elapsed),
    txnPerS: Math.round(txns / elapsed),
  };
}

async function main(): Promise<void> {
  const seconds = arg('seconds', 10);
  const outstanding = arg('outstanding', 16);
  const withFeed = arg('feed', 1) === 1;
  const natsMode = (['off', 'up', 'down'] as const)[arg('nats', 0)] ?? 'off';
  const base = '/tmp/tandem-bench';
  // Every run starts from an empty state it owns (an old journal would be replayed, then planned).
  rmSync(base, { recursive: true, force: true });
  const cluster = new LocalGaleraCluster({ baseDir: join(base, 'galera'), basePort: 28300 });
  let cam: CamProcess | undefined;
  let collector: OssCollector | undefined;
  let nats: LocalNatsServer | undefined;
  const loadBefore = loadavg();
  try {
    await cluster.start();
    const { database, ...conn } = cluster.connectionFor('a');
    const db = new Database(databaseSchema.parse({ ...conn, name: database }), silentLogger());
    await migrate(db, silentLogger());
    await db.close();
    let extra: Record<string, Record<string, unknown>> = {};
    if (natsMode === 'up') {
      nats = new LocalNatsServer({
        dir: join(base, 'nats'),
        port: await freePort(),
        monitorPort: await freePort(),
      });
      await nats.start();
    }
    if (natsMode !== 'off')
      extra.events = {
        natsServers: nats?.address ?? `127.0.0.1:${await freePort()}`,
        jetstream: natsMode === 'up',
      };
    if (withFeed) {
      const started = await OssCollector.onFreePorts(mkdtempSync(join(tmpdir(), 'tandem-bench-collector-')));
      collector = started.collector;
      extra = {
        ...extra,
        cam: {
          tcpIpEnabled: true,
          tcpIpAddress: '127.0.0.1',
          tcpIpPrimaryHostPort: started.ports.primary,
          tcpIpRecoveryHostPort: started.ports.recovery,
        },
      };
    }
    cam = await CamProcess.create({
      id: 'cam-bench',
      dir: join(base, 'cam'),
      database: cluster.connectionFor('a'),
      logLevel: 'warn',
      extra,
    });
    cam.start();
    await cam.waitAccepting();

    const ceiling = await rawCeiling(cluster, seconds, 8, 50);
    const results: StreamResult[] = [];
    const c = collector;
    const feed = c ? { delivered: () => c.last.get('primary') ?? 0 } : undefined;
    for (const n of [1, 4, 16]) results.push(await runStreams(cam, n, seconds, outstanding, feed));
    const status = (await cam.status()) as {
      ingest: { batches: number; blocksStored: number; maxBatchBlocksSeen: number };
      events: { connected: boolean; published: number; buffered: number; dropped: number };
    };
    const loadAfter = loadavg();

    const lines = [
      `Ingest benchmark — ${new Date().toISOString()}`,
      `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}; load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`,
      `payload: blocks of ${RUS_PER_BLOCK} synthetic RUs (~${Math.round(JSON.stringify(syntheticBlockRus('x', 1, RUS_PER_BLOCK)).length / 1024)} KiB JSON); ${outstanding} blocks outstanding per stream; ${seconds} s per run after 2 s warm-up`,
      '',
      `IPDR rendering on (node defaults); TCP feed to a confirming collector: ${withFeed ? 'on' : 'off'}; events to NATS: ${natsMode}`,
      '',
      '| LAM streams | acked RUs/s | acked blocks/s | ack p50 (ms) | ack p99 (ms) | of raw ceiling | feed lag p50 / max (RUs) | feed drain (ms) |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...results.map(
        (r) =>
          `| ${r.streams} | ${r.rusPerS} | ${r.blocksPerS} | ${r.p50Ms} | ${r.p99Ms} | ${((100 * r.rusPerS) / ceiling.rusPerS).toFixed(0)} % | ${r.feedLagP50 ?? '–'} / ${r.feedLagMax ?? '–'} | ${r.feedDrainMs ?? '–'} |`,
      ),
      '',
      `raw Galera ceiling (same rows, ${ceiling.connections} connections, ${ceiling.rowsPerTxn} rows per transaction): ${ceiling.rusPerS} RUs/s = ${ceiling.blocksPerS} blocks/s, ${ceiling.txnPerS} txn/s`,
      `events: ${natsMode}; connected ${status.events.connected}, ${status.events.published} published, ${status.events.buffered} buffered, ${status.events.dropped} dropped`,
      `group commit: ${status.ingest.blocksStored} blocks in ${status.ingest.batches} batches (mean ${(status.ingest.blocksStored / status.ingest.batches).toFixed(1)}, max ${status.ingest.maxBatchBlocksSeen} blocks per batch)`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    writeResults('ingest', {
      loadBefore,
      loadAfter,
      ceiling,
      results,
      ingest: status.ingest,
      seconds,
      outstanding,
      withFeed,
      natsMode,
    });
  } finally {
    await cam?.stop();
    await collector?.close();
    await nats?.stop();
    await cluster.stopAll();
  }
}

runBench(main);
