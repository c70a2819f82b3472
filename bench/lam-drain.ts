/**
 * LAM benchmark: how fast a large spool backlog drains on the recovery stream compared with live
 * ingest on the primary stream, and what the drain does to primary-stream ack latency (a probe LAM
 * sends one block every 20 ms and times its acks, without and during a drain).
 *
 *   npm run build && node dist/bench/lam-drain.js [--rus 40000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../kernel/logger.js';
import { sleep, waitFor } from '../kernel/process.js';
import { LamAgent } from '../lam/agent.js';
import { parseLamConfigFile } from '../lam/config.js';
import { DtpSender } from '../lam/dtp-client.js';
import { syntheticBlockRus, syntheticRu } from '../lam/synthetic.js';
import { CamProcess } from '../ops/local-cam.js';
import { LocalGaleraCluster } from '../ops/local-cluster.js';
import { arg, percentile, runBench, writeResults } from './common.js';

function newLam(cam: CamProcess, name: string): LamAgent {
  const cfg = parseLamConfigFile({
    lam: {
      componentName: name,
      primaryCamIpAddress: '127.0.0.1',
      primaryCamPort: cam.primaryPort,
      recoveryCamIpAddress: '127.0.0.1',
      recoveryCamPort: cam.recoveryPort,
      baseFilePath: mkdtempSync(join(tmpdir(), 'tandem-bench-lam-')),
    },
  });
  return new LamAgent({ lam: cfg.lam, agent: cfg.agent, log: silentLogger() });
}

async function submitAll(lam: LamAgent, name: string, count: number): Promise<void> {
  for (let n = 0; n < count; n++) {
    for (;;) {
      try {
        await lam.submit({ ...syntheticRu(name, n), uID: `${name}-${n}` });
        break;
      } catch {
        await sleep(2); // RU queue full: the writer is behind
      }
    }
  }
}

/** A probe LAM on the primary stream: one 20-RU block every 20 ms, ack latency recorded. */
async function probeLatency(
  cam: CamProcess,
  seconds: number,
): Promise<{ p50: number; p99: number; n: number }> {
  const name = `probe-${Date.now().toString(36)}`;
  const sentAt = new Map<number, number>();
  const lat: number[] = [];
  const s = new DtpSender({
    target: cam.primaryTarget,
    lamId: name,
    stream: 'primary',
    log: silentLogger(),
    onAck: (seq) => lat.push(performance.now() - sentAt.get(seq)!),
  });
  s.start();
  await waitFor('probe connected', async () => (s.connected ? true : undefined), { timeoutMs: 10_000 });
  const end = Date.now() + seconds * 1000;
  for (let seq = 1; Date.now() < end; seq++) {
    sentAt.set(seq, performance.now());
    s.send({ blockSeq: seq, createdAtMs: Date.now(), rus: syntheticBlockRus(name, seq, 20) });
    await sleep(20);
  }
  await s.drained();
  s.stop();
  lat.sort((a, b) => a - b);
  return {
    p50: Number(percentile(lat, 50).toFixed(1)),
    p99: Number(percentile(lat, 99).toFixed(1)),
    n: lat.length,
  };
}

async function main(): Promise<void> {
  const rus = arg('rus', 40_000);
  const base = '/tmp/tandem-bench-lam';
  // Every run starts from an empty state it owns (an old journal would be replayed, then planned).
  rmSync(base, { recursive: true, force: true });
  const cluster = new LocalGaleraCluster({ baseDir: join(base, 'galera'), basePort: 28400 });
  let cam: CamProcess | undefined;
  const loadBefore = loadavg();
  try {
    await cluster.start();
    cam = await CamProcess.create({
      id: 'cam-bench-lam',
      dir: join(base, 'cam'),
      database: cluster.connectionFor('a'),
      logLevel: 'warn',
    });
    cam.start();
    await cam.waitAccepting();

    // 1. Live ingest: CAM up, RUs submitted as fast as the LAM takes them, all on the primary stream.
    const liveLam = newLam(cam, 'live');
    await liveLam.start();
    let t0 = performance.now();
    await submitAll(liveLam, 'live', rus);
    await liveLam.drained(300_000);
    const liveS = (performance.now() - t0) / 1000;
    await liveLam.stop();

    // 1b. The cost of the durability contract: submit latency, plain vs durable, one caller and 16.
    const costLam = newLam(cam, 'cost');
    await costLam.start();
    const submitCost = async (durable: boolean, callers: number, perCaller: number) => {
      const lat: number[] = [];
      let k = 0;
      const t = performance.now();
      await Promise.all(
        Array.from({ length: callers }, async () => {
          for (let i = 0; i < perCaller; i++) {
            const ru = { ...syntheticRu('cost', k), uID: `cost-${durable}-${callers}-${k++}` };
            for (;;) {
              const t1 = performance.now();
              try {
                await costLam.submit(ru, { durable });
                lat.push(performance.now() - t1);
                break;
              } catch {
                await sleep(1); // RU queue full: back-pressure, try again
              }
            }
          }
        }),
      );
      const s = (performance.now() - t) / 1000;
      lat.sort((a, b) => a - b);
      return {
        rusPerS: Math.round((callers * perCaller) / s),
        p50: Number(percentile(lat, 50).toFixed(3)),
        p99: Number(percentile(lat, 99).toFixed(3)),
      };
    };
    const cost = {
      plain1: await submitCost(false, 1, 2000),
      durable1: await submitCost(true, 1, 1000),
      plain16: await submitCost(false, 16, 500),
      durable16: await submitCost(true, 16, 250),
    };
    await costLam.drained(120_000);
    await costLam.stop();

    // 2. Probe latency with no drain.
    const idle = await probeLatency(cam, 8);

    // 3. Backlog: CAM down while the RUs are submitted, then up; the backlog drains on recovery.
    await cam.stop();
    const drainLam = newLam(cam, 'drain');
    await drainLam.start();
    await submitAll(drainLam, 'drain', rus);
    await waitFor(
      'all spooled',
      async () => (drainLam.status().counters.queuedRus === 0 ? true : undefined),
      { timeoutMs: 60_000 },
    );
    const backlogBlocks = drainLam.status().spool.unackedBlocks;
    cam.start();
    await cam.waitAccepting();
    t0 = performance.now();
    const during = probeLatency(cam, 8);
    await drainLam.drained(600_000);
    const drainS = (performance.now() - t0) / 1000;
    const busy = await during;
    const counters = drainLam.counters;
    await drainLam.stop();
    const loadAfter = loadavg();

    const liveRate = Math.round(rus / liveS);
    const drainRate = Math.round(rus / drainS);
    const lines = [
      `LAM drain benchmark — ${new Date().toISOString()}`,
      `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}; load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`,
      `${rus} RUs (blocks of ≤ 20), recovery window 4 blocks`,
      '',
      '| measure | value |',
      '|---|---:|',
      `| live ingest (primary stream), RUs/s | ${liveRate} |`,
      `| backlog drain (recovery stream, ${backlogBlocks} blocks), RUs/s | ${drainRate} |`,
      `| drain / live | ${(drainRate / liveRate).toFixed(2)} |`,
      `| primary ack latency p50 / p99, no drain (ms) | ${idle.p50} / ${idle.p99} |`,
      `| primary ack latency p50 / p99, during drain (ms) | ${busy.p50} / ${busy.p99} |`,
      `| p50 during / no drain | ${(busy.p50 / idle.p50).toFixed(2)} |`,
      `| blocks acked via recovery / primary | ${counters.blocksAckedRecovery} / ${counters.blocksAckedPrimary} |`,
      '',
      '| submit | callers | RUs/s | latency p50 (ms) | latency p99 (ms) |',
      '|---|---:|---:|---:|---:|',
      `| plain | 1 | ${cost.plain1.rusPerS} | ${cost.plain1.p50} | ${cost.plain1.p99} |`,
      `| durable | 1 | ${cost.durable1.rusPerS} | ${cost.durable1.p50} | ${cost.durable1.p99} |`,
      `| plain | 16 | ${cost.plain16.rusPerS} | ${cost.plain16.p50} | ${cost.plain16.p99} |`,
      `| durable | 16 | ${cost.durable16.rusPerS} | ${cost.durable16.p50} | ${cost.durable16.p99} |`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    writeResults('lam-drain', {
      loadBefore,
      loadAfter,
      rus,
      liveRate,
      drainRate,
      backlogBlocks,
      idle,
      busy,
      cost,
    });
  } finally {
    await cam?.stop();
    await cluster.stopAll();
  }
}

runBench(main);
